/** Where the status line goes: a terminal's stdout (`process.stdout`). */
export interface TerminalOut {
  write(text: string): unknown;
  readonly columns?: number;
}

export interface StatusLineOptions {
  out: TerminalOut;
  /** The line to show now for a terminal of that width, or undefined for none (not bound yet). */
  render: (columns: number | undefined) => string | undefined;
  /** How often the line is redrawn (the issue asks for at most every 250 ms). */
  intervalMs?: number;
}

/** Carriage return, then erase the whole line: the cursor stays at column 0. */
const CLEAR = '\r\x1b[2K';

/**
 * One status line kept at the bottom of a terminal, with log lines printed above it. Use it as a
 * stdout: `write` takes whatever would have gone to the terminal (whole or partial lines), erases
 * the status line first and draws it again after a complete line. Redraws happen on a timer and
 * only when the text changed, so an idle device writes nothing.
 */
export class StatusLine {
  private shown: string | undefined;
  /** False while the last write left a partial line: the status must not be drawn into it. */
  private atLineStart = true;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(private readonly options: StatusLineOptions) {}

  get columns(): number | undefined {
    return this.options.out.columns;
  }

  start(): this {
    this.timer ??= setInterval(() => this.redraw(), this.options.intervalMs ?? 250);
    this.timer.unref?.();
    return this;
  }

  write(text: string): boolean {
    if (text === '') return true;
    const erase = this.shown !== undefined ? CLEAR : '';
    this.shown = undefined;
    this.options.out.write(erase + text);
    this.atLineStart = text.endsWith('\n');
    this.redraw();
    return true;
  }

  /** Draws the status line again if its text changed (and no partial log line is pending). */
  redraw(): void {
    if (!this.atLineStart || this.stopped) return;
    const line = this.options.render(this.options.out.columns);
    if (line === this.shown) return;
    this.options.out.write(line === undefined ? CLEAR : `${CLEAR}${line}`);
    this.shown = line;
  }

  /** Stops redrawing for good and erases the line: later writes pass through as plain lines. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown !== undefined) this.options.out.write(CLEAR);
    this.shown = undefined;
  }
}
