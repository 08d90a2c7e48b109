/**
 * Work in flight on partitions (refreshes, moves, uploads, downloads), as
 * `SHOW OPERATIONS` lists it. The registry is the engine's: the procedures that run an
 * operation register it; the database hands out only a read-only view.
 *
 * @module
 */
import { Observers } from './observers.ts';

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
  private readonly failures = new WeakSet<OperationInfo>();
  /** A view that lists and nothing else, frozen: it cannot reach {@link begin}. */
  readonly view: OperationsView = Object.freeze({ list: () => this.list() });

  /** @param observers told of each operation's end */
  constructor(private readonly observers: Observers = new Observers()) {}

  /**
   * Registers an operation; call the returned function when it ends (after
   * {@link failed} when it failed).
   */
  begin(op: OperationInfo): () => void {
    this.running.add(op);
    const t0 = performance.now();
    return () => {
      if (!this.running.delete(op)) return;
      if (this.observers.active) {
        const seconds = (performance.now() - t0) / 1000;
        this.observers.emit({ type: 'operation', kind: op.kind, bytes: op.bytes_done, seconds, ok: !this.failures.has(op) });
      }
    };
  }

  /** Marks `op` as failed (before its end). */
  failed(op: OperationInfo): void {
    this.failures.add(op);
  }

  /** The operations in flight, oldest first. */
  list(): OperationInfo[] {
    return [...this.running].map((op) => ({ ...op }));
  }
}
