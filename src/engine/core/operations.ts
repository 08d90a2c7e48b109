/**
 * Work in flight on partitions (refreshes, moves, uploads, downloads), as
 * `SHOW OPERATIONS` lists it. The registry is the engine's: the procedures that run an
 * operation register it; the database hands out only a read-only view.
 *
 * @module
 */

/** One operation in flight. Field names are stable (docs/sql/show.md). */
export interface OperationInfo {
  readonly kind: string;
  /** Min of the partition it works on. */
  readonly partition: bigint;
  /** Storage it reads from. */
  readonly source: string;
  /** Storage it writes to. */
  readonly destination: string;
  /** Bytes done so far (known at the end for jobs that run in a worker). */
  bytes_done: number;
  /** Bytes to do (0 while unknown). */
  bytes_total: number;
  /** Microseconds since the epoch. */
  readonly started: number;
}

/** A read-only view of the operations in flight (what `db.operations` hands out). */
export interface OperationsView {
  /** The operations in flight, oldest first: copies (the `'running'` rows of `SHOW OPERATIONS`). */
  list(): OperationInfo[];
}

/** The operations in flight of a database. */
export class OperationRegistry {
  private readonly running = new Set<OperationInfo>();
  /** A view that lists and nothing else, frozen: it cannot reach {@link begin}. */
  readonly view: OperationsView = Object.freeze({ list: () => this.list() });

  /** Registers an operation; call the returned function when it ends. */
  begin(op: OperationInfo): () => void {
    this.running.add(op);
    return () => this.running.delete(op);
  }

  /** The operations in flight, oldest first. */
  list(): OperationInfo[] {
    return [...this.running].map((op) => ({ ...op }));
  }
}
