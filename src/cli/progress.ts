/** Where progress and messages go: stderr, so that stdout carries only a command's output. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** How a quantity is shown: `12,345 events` or `1.2 MB`. */
export type ProgressUnit = 'events' | 'bytes';

/** One sample of a task's progress. */
export interface ProgressUpdate {
  /** How far along, in the task's unit (events processed, bytes read). */
  done: number;
  /** Where it ends, when known. */
  total?: number | undefined;
  /** Events handled so far, for the rate; defaults to `done`. */
  events?: number;
  /** A short note shown after the numbers (e.g. who is running it). */
  note?: string;
}

export interface ProgressOptions {
  /** Shown first on every line, e.g. `rebuild tallies`. */
  label: string;
  unit: ProgressUnit;
  stream?: ProgressStream;
  /** Overrides the stream's isTTY. */
  tty?: boolean;
  now?: () => number;
  /** Without a TTY, a line at most this often (plus one per 10 % crossed). */
  plainEveryMs?: number;
}

const numberFormat = new Intl.NumberFormat('en-US');

/** `12,345` */
export function formatCount(n: number): string {
  return numberFormat.format(Math.round(n));
}

/** `1.2 MB` */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `4s`, `2m05s`, `1h02m` */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The one line of stderr a progress bar owns. Anything else written to stderr while a bar is
 * shown goes through `line()`, which clears the bar, writes, and draws the bar again.
 */
class Terminal {
  private bar: string | undefined;
  stream: ProgressStream = process.stderr;

  line(text: string): void {
    if (this.bar !== undefined) this.stream.write('\r\x1b[K');
    this.stream.write(text.endsWith('\n') ? text : `${text}\n`);
    if (this.bar !== undefined) this.stream.write(this.bar);
  }

  draw(bar: string): void {
    this.bar = bar;
    this.stream.write(`\r${bar}\x1b[K`);
  }

  /** Ends the bar's line (the bar stays on screen). */
  settle(text?: string): void {
    if (this.bar === undefined) {
      if (text !== undefined) this.line(text);
      return;
    }
    this.bar = undefined;
    this.stream.write(text === undefined ? '\n' : `\r${text}\x1b[K\n`);
  }
}

/** Writes stderr lines that do not tear a progress bar apart. */
export const terminal = new Terminal();

interface Sample {
  at: number;
  done: number;
  events: number;
}

const WINDOW_MS = 5000;

/**
 * A task's progress on stderr: with a TTY, a bar redrawn in place (processed/total, rate, ETA);
 * without one, plain lines every `plainEveryMs` or each 10 % crossed, so logs stay readable.
 */
export class Progress {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly plainEveryMs: number;
  private readonly started: number;
  private samples: Sample[] = [];
  private last: ProgressUpdate = { done: 0 };
  private lastDraw = 0;
  private lastPlain = -Infinity;
  private lastDecile = -1;
  private finished = false;
  // Events already done at the first update (a resumed task): not this run's work.
  private baseline: number | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.now = options.now ?? Date.now;
    this.plainEveryMs = options.plainEveryMs ?? 2000;
    this.started = this.now();
    terminal.stream = this.stream;
  }

  /** Records a sample and redraws (a TTY at most 10 times a second). */
  update(update: ProgressUpdate): void {
    if (this.finished) return;
    const at = this.now();
    this.last = update;
    this.baseline ??= update.events ?? update.done;
    this.samples.push({ at, done: update.done, events: update.events ?? update.done });
    while (this.samples.length > 2 && at - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
    if (this.tty) {
      if (at - this.lastDraw < 100) return;
      this.lastDraw = at;
      terminal.draw(this.render(at, this.stream.columns || 80));
      return;
    }
    const decile =
      update.total && update.total > 0
        ? Math.floor((Math.min(update.done, update.total) / update.total) * 10)
        : -1;
    if (decile > this.lastDecile || at - this.lastPlain >= this.plainEveryMs) {
      this.lastDecile = Math.max(decile, this.lastDecile);
      this.lastPlain = at;
      terminal.line(this.render(at, 0));
    }
  }

  /** The last line: totals and the average rate over the whole task. */
  finish(summary?: string): void {
    if (this.finished) return;
    this.finished = true;
    const elapsed = this.now() - this.started;
    const events = (this.last.events ?? this.last.done) - (this.baseline ?? 0);
    const rate = elapsed > 0 ? (events / elapsed) * 1000 : 0;
    const text =
      summary ??
      `${this.options.label}: ${this.amount(this.last.done, this.last.total)} in ${formatDuration(elapsed)} (${formatCount(rate)} events/s)`;
    if (this.tty) terminal.settle(text);
    else terminal.line(text);
  }

  /** Leaves the bar where it is (for an error message after it). */
  abandon(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty) terminal.settle();
  }

  private amount(done: number, total: number | undefined): string {
    const show = this.options.unit === 'bytes' ? formatBytes : formatCount;
    const unit = this.options.unit === 'bytes' ? '' : ' events';
    return total !== undefined ? `${show(done)}/${show(total)}${unit}` : `${show(done)}${unit}`;
  }

  // `columns` > 0: a bar fitted to a terminal that wide (the line never wraps, or `\r` would
  // not get back to its start); 0: a plain line.
  private render(at: number, columns: number): string {
    const { done, total, note } = this.last;
    const parts: string[] = [];
    const fraction = total && total > 0 ? Math.min(done / total, 1) : total === 0 ? 1 : undefined;
    if (fraction !== undefined) parts.push(`${String(Math.floor(fraction * 100)).padStart(3)}%`);
    parts.push(this.amount(done, total));
    const first = this.samples[0];
    const span = first ? at - first.at : 0;
    const latest = this.samples[this.samples.length - 1];
    if (first && latest && span >= 200) {
      const eventRate = ((latest.events - first.events) / span) * 1000;
      parts.push(`${formatCount(eventRate)} events/s`);
      const doneRate = (latest.done - first.done) / span;
      if (total !== undefined && doneRate > 0 && done < total) {
        parts.push(`ETA ${formatDuration((total - done) / doneRate)}`);
      }
    }
    if (note) parts.push(`(${note})`);
    const label = `${this.options.label}:`;
    const text = parts.join(' ');
    if (columns <= 0) return `${label} ${text}`;
    const room = columns - 1 - label.length - text.length - 4;
    if (fraction === undefined || room < 10) return `${label} ${text}`.slice(0, columns - 1);
    const width = Math.min(30, room);
    const filled = Math.round(fraction * width);
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`;
  }
}
