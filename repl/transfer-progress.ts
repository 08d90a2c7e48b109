/**
 * The progress line of `strata export` and `strata import`: events and bytes so far,
 * redrawn in place on standard error every 200 ms when it is a terminal, and the
 * summary line at the end (always).
 *
 * @module
 */
import { formatBytes, formatCount, formatElapsed } from './render.ts';

/** Counts and draws; `done` prints the summary. */
export class TransferProgress {
  events = 0;
  bytes = 0;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout | null;

  constructor(private readonly verb: string, private readonly err: NodeJS.WriteStream) {
    this.timer = err.isTTY === true ? setInterval(() => this.draw(), 200) : null;
    this.timer?.unref();
  }

  private line(): string {
    const ms = Date.now() - this.started;
    const rate = ms > 0 ? ` (${formatCount(Math.round((this.events * 1000) / ms))} events/s)` : '';
    return `${this.verb}: ${formatCount(this.events)} events, ${formatBytes(this.bytes)} in ${formatElapsed(ms)}${rate}`;
  }

  private draw(): void {
    this.err.write(`\r\x1b[2K${this.line()}`);
  }

  /** Stops the line and prints the summary, ending with `where`. */
  done(where: string): void {
    this.stop();
    this.err.write(`${this.line()} ${where}\n`);
  }

  /** Stops the line (after a failure: the error follows on a line of its own). */
  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.err.write('\r\x1b[2K');
  }
}
