/**
 * Background work in flight (refreshes now; moves and transfers later), as
 * `SHOW OPERATIONS` lists it.
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

/** The operations in flight of a database. */
export class OperationRegistry {
  private readonly running = new Set<OperationInfo>();

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
