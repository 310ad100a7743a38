/**
 * How a run shows its progress. Two reporters behind one small interface, chosen by the CLI:
 * plain log lines, one per row (CI, logs, pipes), or a single status line redrawn in place on a
 * terminal, with log lines (warnings, errors, failed and unknown rows) printed above it.
 *
 * Stage pay/: may import plan, output, ledger, scan, journal, csv, validate, api, schedule,
 * sandbox, core (.dependency-cruiser.cjs).
 */
import type { ValidPayout } from '../core/types.js';
import { FILE_ONLY, type Logger } from '../log.js';
import type { PaceWait } from '../schedule/pacer.js';
import { formatDuration, shortAddress } from '../output/format.js';

/** What a row came to, as far as progress is concerned. */
export type RowOutcome = 'paid' | 'failed' | 'unknown';

/** One row's outcome, with the run's position. */
export interface RowEvent {
  /** Rows of this run that have an outcome, this one included. */
  done: number;
  /** Rows this run means to send. */
  total: number;
  rowNumber: number;
  payout: ValidPayout;
  outcome: RowOutcome;
  /** The invoice id of a paid row; why a row failed or is unknown. */
  detail: string;
  /** How long the rows left take at the pace, at most. */
  etaMs: number;
}

/** Receives the send loop's progress. Implementations never throw. */
export interface ProgressReporter {
  /** The loop is about to send `total` rows, which take about `etaMs`. */
  start(total: number, etaMs: number): void;
  /** A row's turn has come: it waits for the gap, then is sent. */
  sending(rowNumber: number): void;
  /** The row waits a while (a few seconds or more) for the gap: how long, and what for. */
  waiting?(rowNumber: number, wait: PaceWait): void;
  /** A row has its outcome (on disk). */
  row(event: RowEvent): void;
  /** The loop is over: whatever is printed next stands on its own line. */
  stop(): void;
}

/** The plain line for a row: `[3/8] row 3: 150 USDT_TRC20 → TR7NHq…jLj6t: paid INV-… · ETA 1m12s`. */
export function formatRowLine(event: RowEvent): string {
  const { amount, currencyCode, toAddress } = event.payout;
  const what =
    event.outcome === 'paid'
      ? `paid ${event.detail}`
      : `${event.outcome === 'failed' ? 'FAILED' : 'UNKNOWN'}: ${event.detail}`;
  const eta = event.total - event.done > 0 ? ` · ETA ${formatDuration(event.etaMs)}` : '';
  return `[${event.done}/${event.total}] row ${event.rowNumber}: ${amount} ${currencyCode} → ${shortAddress(toAddress)}: ${what}${eta}`;
}

/** "row 4: waiting 12s for the API's pace (…)". */
export function formatWaitLine(rowNumber: number, wait: PaceWait): string {
  return `row ${rowNumber}: waiting ${formatDuration(wait.ms)} for ${wait.why}`;
}

/** The level of a row's line: an unknown row is a warning (it may or may not be paid). */
function levelOf(outcome: RowOutcome): 'info' | 'warn' {
  return outcome === 'unknown' ? 'warn' : 'info';
}

/** One log line per row (stderr and the log file): for CI, logs and pipes. */
export class LineProgress implements ProgressReporter {
  constructor(private readonly logger: Logger) {}

  start(): void {}

  sending(): void {}

  /**
   * The API's ordinary pace was announced with the plan ("one request every 12s"): its waits go to
   * the log file. Any other wait is said on its own line before it starts.
   */
  waiting(rowNumber: number, wait: PaceWait): void {
    this.logger.info(formatWaitLine(rowNumber, wait), { row: rowNumber, ...(wait.ordinary && FILE_ONLY) });
  }

  row(event: RowEvent): void {
    this.logger.log(levelOf(event.outcome), formatRowLine(event), { row: event.rowNumber });
  }

  stop(): void {}
}

/** A line at the bottom of a terminal that can be redrawn in place (see src/cli/status-line.ts). */
export interface StatusLine {
  /** The terminal's width in characters. */
  readonly columns: number;
  /** Shows `text` as the status line, replacing the previous one. */
  show(text: string): void;
  /** Removes the status line. */
  clear(): void;
}

/** What the bar shows. */
export interface BarState {
  total: number;
  paid: number;
  failed: number;
  unknown: number;
  /** The row being sent or waited for, if any. */
  current?: number;
  /** When the rows left should be done (on the bar's clock). */
  etaAt?: number;
  /** The row is waiting for its turn until then (on the bar's clock), for this. */
  waitingUntil?: number;
  waitingFor?: string;
}

export interface BarOptions {
  /** ANSI colours (only on a terminal, and not when NO_COLOR is set). @default false */
  color?: boolean;
  /** The clock; only its differences count. @default performance.now (a wall clock that steps does not move the ETA) */
  now?: () => number;
  /** How often the ETA is redrawn between rows; 0: only on events. @default 1000 */
  tickMs?: number;
}

const COLOR = { paid: '\x1b[32m', failed: '\x1b[31m', unknown: '\x1b[33m', off: '\x1b[39m' };
const BAR_WIDTH = 20;

/** A progress bar on a terminal's last line; each row's line still goes to the log file. */
export class BarProgress implements ProgressReporter {
  private state: BarState = { total: 0, paid: 0, failed: 0, unknown: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly logger: Logger,
    private readonly line: StatusLine,
    private readonly options: BarOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  start(total: number, etaMs: number): void {
    this.state = { total, paid: 0, failed: 0, unknown: 0, etaAt: this.now() + etaMs };
    const tickMs = this.options.tickMs ?? 1000;
    if (tickMs > 0) {
      this.timer = setInterval(() => this.draw(), tickMs);
      this.timer.unref();
    }
    this.draw();
  }

  sending(rowNumber: number): void {
    this.state.current = rowNumber;
    this.draw();
  }

  /** Shown on the bar while it lasts; a wait that is not the ordinary pace is also said above it. */
  waiting(rowNumber: number, wait: PaceWait): void {
    this.state.waitingUntil = this.now() + wait.ms;
    this.state.waitingFor = wait.ordinary ? "the API's pace" : 'see above';
    this.logger.info(formatWaitLine(rowNumber, wait), { row: rowNumber, ...(wait.ordinary && FILE_ONLY) });
    this.draw();
  }

  row(event: RowEvent): void {
    delete this.state.waitingUntil;
    delete this.state.waitingFor;
    this.state[event.outcome] += 1;
    this.state.total = event.total;
    this.state.etaAt = this.now() + (event.total > event.done ? event.etaMs : 0);
    delete this.state.current;
    // A paid row is in the bar and the log file; a failed or unknown one also stays on screen, above the bar.
    this.logger.log(levelOf(event.outcome), formatRowLine(event), {
      row: event.rowNumber,
      ...(event.outcome === 'paid' && FILE_ONLY),
    });
    this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.line.clear();
  }

  private draw(): void {
    this.line.show(renderBar(this.state, this.line.columns, this.options.color ?? false, this.now()));
  }
}

/**
 * The bar as one line of at most `columns - 1` visible characters (the last column is left free
 * so that no terminal wraps it): `▕██████░░░░▏ 3/8 · 2 paid · 0 failed · 1 unknown · row 4 · ETA 1m12s`.
 */
export function renderBar(state: BarState, columns: number, color: boolean, nowMs: number): string {
  const done = state.paid + state.failed + state.unknown;
  const filled = state.total > 0 ? Math.min(BAR_WIDTH, Math.floor((done / state.total) * BAR_WIDTH)) : 0;
  const paint = (text: string, code: string): Segment => ({ text, ...(color && { code }) });
  const counts: Segment[] = [
    { text: ` ${done}/${state.total} · ` },
    paint(`${state.paid} paid`, COLOR.paid),
    { text: ' · ' },
    paint(`${state.failed} failed`, COLOR.failed),
    { text: ' · ' },
    paint(`${state.unknown} unknown`, COLOR.unknown),
  ];
  const tail: Segment[] = [];
  if (state.current !== undefined) tail.push({ text: ` · row ${state.current}` });
  if (state.waitingUntil !== undefined && state.waitingUntil > nowMs) {
    tail.push({
      text: ` · waiting ${formatDuration(state.waitingUntil - nowMs)}${state.waitingFor ? ` (${state.waitingFor})` : ''}`,
    });
  }
  if (state.etaAt !== undefined && done < state.total)
    tail.push({ text: ` · ETA ${formatDuration(Math.max(0, state.etaAt - nowMs))}` });
  const bar: Segment = { text: `▕${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}▏` };
  const room = Math.max(1, columns - 1);
  // Narrow terminal: drop the bar graph before cutting the figures.
  const full = [bar, ...counts, ...tail];
  const segments =
    visibleLength(full) <= room ? full : [{ text: counts[0]?.text.trimStart() ?? '' }, ...counts.slice(1), ...tail];
  return joinSegments(segments, room);
}

interface Segment {
  text: string;
  /** An ANSI colour code, reset after the segment. */
  code?: string;
}

function visibleLength(segments: Segment[]): number {
  return segments.reduce((n, s) => n + [...s.text].length, 0);
}

/** Joins segments, cutting the text (never a colour code) at `room` visible characters. */
function joinSegments(segments: Segment[], room: number): string {
  let out = '';
  let left = room;
  for (const segment of segments) {
    if (left <= 0) break;
    const chars = [...segment.text];
    const text = chars.length > left ? `${chars.slice(0, Math.max(0, left - 1)).join('')}…` : segment.text;
    left -= Math.min(chars.length, left);
    out += segment.code ? `${segment.code}${text}${COLOR.off}` : text;
  }
  return out;
}

/**
 * Whether the environment asks for no colour: NO_COLOR set to anything but the empty string
 * (https://no-color.org).
 */
export function noColorRequested(env: NodeJS.ProcessEnv): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}
