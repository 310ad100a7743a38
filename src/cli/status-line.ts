/**
 * The terminal's last line, kept for a progress bar: every other line written to the terminal
 * (log lines, messages) goes above it, and the bar is drawn again under them.
 *
 * Stage cli/: may import commands, pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import type { StatusLine } from '../pay/progress.js';
import { noColorRequested } from '../pay/progress.js';

/** The part of a stream a status line needs (process.stderr, or a fake in tests). */
export interface TerminalStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Carriage return, then "erase the whole line". */
const ERASE = '\r\x1b[2K';

export class TerminalStatusLine implements StatusLine {
  private current: string | undefined;

  constructor(
    private readonly stream: TerminalStream,
    /** Colours allowed (a terminal, and NO_COLOR not set). */
    readonly color: boolean,
  ) {}

  get columns(): number {
    return this.stream.columns && this.stream.columns > 0 ? this.stream.columns : 80;
  }

  show(text: string): void {
    this.current = text;
    this.stream.write(`${ERASE}${text}`);
  }

  clear(): void {
    if (this.current === undefined) return;
    this.current = undefined;
    this.stream.write(ERASE);
  }

  /** Writes `text` (whole lines) above the status line. */
  write(text: string): void {
    if (this.current === undefined) {
      this.stream.write(text);
      return;
    }
    this.stream.write(`${ERASE}${text}${text.endsWith('\n') ? '' : '\n'}${this.current}`);
  }

  /** Runs `work` (which writes to another stream of the same terminal, like stdout) with the status line out of the way. */
  interrupt(work: () => void): void {
    const current = this.current;
    this.clear();
    work();
    if (current !== undefined) this.show(current);
  }
}

/**
 * A status line on `stream` if it is a terminal that can redraw a line (not TERM=dumb), else
 * undefined: then progress is reported as plain lines.
 */
export function openStatusLine(stream: TerminalStream, env: NodeJS.ProcessEnv): TerminalStatusLine | undefined {
  if (!stream.isTTY || env.TERM === 'dumb') return undefined;
  return new TerminalStatusLine(stream, !noColorRequested(env));
}
