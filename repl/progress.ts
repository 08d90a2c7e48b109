/**
 * The progress line of a long statement (`REFRESH`, `MOVE`, `REBALANCE`, ...): while
 * it runs, the operations in flight (`db.operations.list()`) are polled every 200 ms
 * and one line is redrawn in place with what the first of them does, bytes done of
 * bytes total, and the time so far; for a statement over many partitions, also how far
 * it is through them (`[3/12]`). The line is cleared when the statement ends. Only on
 * a terminal.
 *
 * @module
 */
import type { Statement } from '../grammar/index.ts';
import type { OperationInfo, Strata } from '../src/index.ts';
import type { Palette } from './colour.ts';
import { formatBytes, formatElapsed } from './render.ts';

/** How often the line is redrawn, in ms. */
export const PROGRESS_INTERVAL = 200;

/** Where the line is drawn: a terminal stream. */
export interface ProgressStream {
  write(text: string): boolean;
  readonly columns?: number;
}

/** One operation as the line shows it: `move 3000000 main -> cold 1.2 MiB / 4.0 MiB`. */
export function describeOperation(op: OperationInfo): string {
  const where = op.source === op.destination ? op.source : `${op.source} -> ${op.destination}`;
  const bytes = op.bytes_total > 0 ? ` ${formatBytes(op.bytes_done)} / ${formatBytes(op.bytes_total)}` : op.bytes_done > 0 ? ` ${formatBytes(op.bytes_done)}` : '';
  return `${op.kind} ${op.partition} ${where}${bytes}`;
}

/** The partitions a statement will work on, in order, and which operations are its own. */
export interface Plan {
  readonly partitions: readonly bigint[];
  /** Whether an operation in flight is one of the statement's (not a background refresh). */
  readonly owns: (op: OperationInfo) => boolean;
}

/**
 * The plan of a statement over many partitions, for `[k/N]`: the partitions in the
 * range of `MOVE`/`REFRESH`/`UPLOAD`/`DOWNLOAD PARTITIONS`, the moves `EXPLAIN
 * REBALANCE` plans for `REBALANCE`; null for other statements (or when they cannot be
 * read).
 */
export async function planOf(db: Strata, s: Statement): Promise<Plan | null> {
  const inRange = async (min: bigint, max: bigint): Promise<bigint[]> =>
    ((await db.execute('SHOW PARTITIONS')) as { min: bigint }[]).map((p) => p.min).filter((id) => id >= min && id <= max);
  try {
    switch (s.kind) {
      case 'move_partitions':
        return { partitions: await inRange(s.range.min, s.range.max), owns: (op) => op.kind === 'move' && op.destination === s.storage };
      case 'refresh_partitions':
        return { partitions: await inRange(s.range.min, s.range.max), owns: (op) => op.kind === 'refresh' };
      case 'upload_partitions':
      case 'download_partitions':
        return { partitions: await inRange(s.range.min, s.range.max), owns: (op) => op.kind === s.kind.slice(0, -'_partitions'.length) };
      case 'rebalance': {
        if (s.explain) return null;
        const steps = (await db.execute('EXPLAIN REBALANCE')) as { action: string; partition: bigint }[];
        return { partitions: steps.filter((step) => step.action === 'move').map((step) => step.partition), owns: (op) => op.kind === 'move' };
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/** How far a statement is through its plan: the position of the partition it works on. */
export class PlanPosition {
  private done = 0;

  constructor(private readonly plan: Plan | null) {}

  /**
   * The operations in flight with the statement's own first, and `[k/N] ` (k never
   * goes back; '' without a plan).
   */
  look(ops: readonly OperationInfo[]): { ops: OperationInfo[]; label: string } {
    const plan = this.plan;
    if (plan === null || plan.partitions.length === 0) return { ops: [...ops], label: '' };
    const own = ops.filter(plan.owns);
    for (const op of own) {
      const i = plan.partitions.indexOf(op.partition, Math.max(0, this.done - 1));
      if (i >= 0) this.done = Math.max(this.done, i + 1);
    }
    const label = this.done === 0 ? '' : `[${this.done}/${plan.partitions.length}] `;
    return { ops: [...own, ...ops.filter((op) => !plan.owns(op))], label };
  }
}

/** The text of the progress line: the first operation (and how many more), or the statement. */
export function progressText(ops: readonly OperationInfo[], statement: string, elapsedMs: number, position = ''): string {
  const time = formatElapsed(elapsedMs);
  if (ops.length === 0) return `${position}running ${statement.replace(/\s+/g, ' ')} ${time}`;
  const more = ops.length > 1 ? ` (+${ops.length - 1} more)` : '';
  return `${position}${describeOperation(ops[0]!)}${more} ${time}`;
}

/** A progress line for one statement: `start()` before it runs, `stop()` once it ends. */
export class ProgressLine {
  private timer: NodeJS.Timeout | null = null;
  private drawn = false;
  private readonly started = performance.now();
  private readonly position: PlanPosition;

  constructor(
    private readonly stream: ProgressStream,
    private readonly operations: () => OperationInfo[],
    private readonly statement: string,
    private readonly p: Palette,
    plan: Plan | null = null,
  ) {
    this.position = new PlanPosition(plan);
  }

  /** Starts polling; the first line appears after one interval, so quick statements show none. */
  start(): void {
    this.timer = setInterval(() => this.draw(), PROGRESS_INTERVAL);
    this.timer.unref();
  }

  private draw(): void {
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    const { ops, label } = this.position.look(this.operations());
    const text = progressText(ops, this.statement, performance.now() - this.started, label);
    const shown = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.stream.write(`\r\x1b[K${this.p.dim(shown)}`);
    this.drawn = true;
  }

  /** Writes `text` on a line of its own above the progress line, which goes on below it. */
  note(text: string): void {
    this.stream.write(`\r\x1b[K${text}\n`);
    if (this.drawn) this.draw();
  }

  /** Stops polling and clears the line, leaving the cursor where the line began. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
