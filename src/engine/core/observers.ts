/**
 * What the engine tells those who watch it (`db.observe`): each write, each WAL sync
 * and each operation's end, with how long it took. The server's metrics are built on
 * it. Listeners run synchronously where the event happens and must be quick; one that
 * throws is ignored. With no listener, an event costs a property read.
 *
 * @module
 */

/** One thing the engine did. Field names are stable (docs/api.md#observe). */
export type EngineEvent =
  /** A batch was written (acknowledged): its events and bytes, from the call to the acknowledgement. */
  | { readonly type: 'write'; readonly events: number; readonly bytes: number; readonly seconds: number }
  /** The WAL was synced (fdatasync of its segments and directory). */
  | { readonly type: 'wal_sync'; readonly seconds: number }
  /**
   * An operation on a partition ended (`refresh`, `move`, `upload`, `download`): the
   * bytes it wrote or transferred, and whether it succeeded.
   */
  | { readonly type: 'operation'; readonly kind: string; readonly bytes: number; readonly seconds: number; readonly ok: boolean };

/** Receives engine events. */
export type EngineListener = (event: EngineEvent) => void;

/** The listeners of one database. */
export class Observers {
  private listeners: EngineListener[] = [];

  /** True when someone listens (so an event is worth building). */
  get active(): boolean {
    return this.listeners.length > 0;
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: EngineListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Tells every listener (a listener that throws is skipped). */
  emit(event: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
