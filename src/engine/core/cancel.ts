/**
 * Cancelling work over several partitions: a statement that moves, refreshes,
 * transfers or drops partitions one after the other checks its caller's `AbortSignal`
 * before it starts each one. The partition in flight finishes (or fails and rolls back,
 * as it would without the signal); the others are not started.
 *
 * @module
 */
import { StrataError } from '../../errors.ts';

/**
 * Counts the steps of a statement over several partitions and stops it between steps
 * once `signal` has fired.
 */
export class StepCounter {
  /** Steps finished (successfully or not). */
  done = 0;

  /**
   * @param op the statement, for the message (`move partitions`).
   * @param total the steps planned (a rebalance adds those of each pass).
   * @param what a step, for the message: `partition`, or `step` (a move or a drop of a rebalance).
   */
  constructor(
    private readonly op: string,
    public total: number,
    private readonly signal: AbortSignal | undefined,
    private readonly what = 'partition',
  ) {}

  /** Whether the caller asked to stop. */
  get cancelled(): boolean {
    return this.signal?.aborted === true;
  }

  /**
   * Call before starting a step.
   * @throws StrataError `CANCELLED` once the signal has fired, saying how many steps were done.
   */
  check(): void {
    if (this.cancelled) throw this.error();
  }

  /** The `CANCELLED` error: `move partitions: cancelled: 4 of 10 partitions done, the other 6 not started`. */
  error(): StrataError {
    const left = this.total - this.done;
    const steps = `${this.what}${this.total === 1 ? '' : 's'}`;
    return new StrataError('CANCELLED', `${this.op}: cancelled: ${this.done} of ${this.total} ${steps} done, the other ${left} not started; run the statement again to go on`);
  }
}
