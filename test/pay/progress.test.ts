/**
 * Progress: the plain line per row (not a terminal), and the bar on a terminal (a fake stream
 * with isTTY and columns), with log lines above it, colours only when allowed.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openStatusLine, TerminalStatusLine } from '../../src/cli/status-line.js';
import {
  BarProgress,
  formatRowLine,
  LineProgress,
  renderBar,
  type ProgressReporter,
  type RowEvent,
} from '../../src/pay/progress.js';
import { closeLogger, createLogger } from '../../src/log.js';
import { ADDRESS, tempDir } from '../helpers/payroll.js';

const payout = (amount: string) => ({ currencyCode: 'USDT_TRC20', toAddress: ADDRESS.tron, amount });
const event = (done: number, outcome: RowEvent['outcome'], detail: string, etaMs: number, total = 3): RowEvent => ({
  done,
  total,
  rowNumber: done + 1,
  payout: payout(`${done}50`),
  outcome,
  detail,
  etaMs,
});

/** A terminal stream that keeps what is written. */
function fakeTerminal(columns = 120): {
  stream: { isTTY: true; columns: number; write(text: string): boolean };
  text(): string;
} {
  let written = '';
  return {
    stream: {
      isTTY: true,
      columns,
      write(text: string) {
        written += text;
        return true;
      },
    },
    text: () => written,
  };
}

const ERASE = '\r\x1b[2K';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('not a terminal: one plain line per row', () => {
  it.each([
    [
      '[1/3] row 2: 150 USDT_TRC20 → TR7NHqje…gjLj6t: paid INV-2Q2SICZN · ETA 1m 12s',
      event(1, 'paid', 'INV-2Q2SICZN', 72_000),
    ],
    [
      '[2/3] row 3: 250 USDT_TRC20 → TR7NHqje…gjLj6t: FAILED: network: invalid network · ETA 13s',
      event(2, 'failed', 'network: invalid network', 12_500),
    ],
    [
      '[3/3] row 4: 350 USDT_TRC20 → TR7NHqje…gjLj6t: UNKNOWN: timed out after 30000 ms',
      event(3, 'unknown', 'timed out after 30000 ms', 0),
    ],
  ])('%s', (line, e) => expect(formatRowLine(e)).toBe(line));

  it('writes exactly those lines to stderr, an unknown row as a warning', async () => {
    const lines: string[] = [];
    const logger = createLogger({ console: { write: (text) => lines.push(text) } });
    const progress: ProgressReporter = new LineProgress(logger);
    progress.start(2, 1000);
    progress.sending(1);
    progress.row({ ...event(1, 'paid', 'INV-AAAA1111', 600, 2), rowNumber: 1 });
    progress.sending(2);
    progress.row({ ...event(2, 'unknown', 'connection dropped', 0, 2), rowNumber: 2 });
    progress.stop();
    await closeLogger(logger);
    expect(lines).toEqual([
      '[1/2] row 1: 150 USDT_TRC20 → TR7NHqje…gjLj6t: paid INV-AAAA1111 · ETA 1s\n',
      'warn: [2/2] row 2: 250 USDT_TRC20 → TR7NHqje…gjLj6t: UNKNOWN: connection dropped\n',
    ]);
  });
});

describe('on a terminal: a bar', () => {
  it('renders counts, the current row and the ETA in one line, coloured', () => {
    const state = { total: 8, paid: 2, failed: 1, unknown: 1, current: 5, etaAt: 72_000 };
    expect(renderBar(state, 120, false, 0)).toBe(
      '▕██████████░░░░░░░░░░▏ 4/8 · 2 paid · 1 failed · 1 unknown · row 5 · ETA 1m 12s',
    );
    expect(renderBar(state, 120, true, 0)).toBe(
      '▕██████████░░░░░░░░░░▏ 4/8 · \x1b[32m2 paid\x1b[39m · \x1b[31m1 failed\x1b[39m · \x1b[33m1 unknown\x1b[39m · row 5 · ETA 1m 12s',
    );
  });

  it('never wraps: drops the bar graph, then cuts, within the width', () => {
    const state = { total: 8, paid: 2, failed: 1, unknown: 1, current: 5, etaAt: 72_000 };
    expect(renderBar(state, 60, false, 0)).toBe('4/8 · 2 paid · 1 failed · 1 unknown · row 5 · ETA 1m 12s');
    expect(renderBar(state, 30, false, 0)).toBe('4/8 · 2 paid · 1 failed · 1 …');
    // eslint-disable-next-line no-control-regex -- the escape code is what this test looks for
    expect([...renderBar(state, 30, true, 0).replace(/\x1b\[\d+m/g, '')].length).toBe(29);
  });

  it('draws in place, prints log lines above the bar and redraws it, and clears it at the end', async () => {
    const term = fakeTerminal();
    const line = new TerminalStatusLine(term.stream, true);
    const logFile = join(dir, 'log.jsonl');
    const logger = createLogger({ console: line, logFile });
    let now = 0;
    const progress = new BarProgress(logger, line, { color: false, now: () => now, tickMs: 0 });
    progress.start(3, 30_000);
    progress.sending(1);
    now = 10_000;
    progress.row({ ...event(1, 'paid', 'INV-AAAA1111', 20_000), rowNumber: 1 });
    progress.sending(2);
    logger.warn('row 2: the API asked to slow down');
    now = 20_000;
    progress.row({ ...event(2, 'unknown', 'connection dropped', 10_000), rowNumber: 2 });
    progress.stop();
    await closeLogger(logger);

    const bar = (done: number, paid: number, unknown: number, rest: string): string =>
      `▕${'█'.repeat(Math.floor((done / 3) * 20))}${'░'.repeat(20 - Math.floor((done / 3) * 20))}▏ ${done}/3 · ${paid} paid · 0 failed · ${unknown} unknown${rest}`;
    expect(term.text()).toBe(
      [
        ERASE + bar(0, 0, 0, ' · ETA 30s'),
        ERASE + bar(0, 0, 0, ' · row 1 · ETA 30s'),
        // The paid row is in the bar (and the log file), not printed.
        ERASE + bar(1, 1, 0, ' · ETA 20s'),
        ERASE + bar(1, 1, 0, ' · row 2 · ETA 20s'),
        // A warning goes above the bar, which is drawn again under it.
        `${ERASE}warn: row 2: the API asked to slow down\n${bar(1, 1, 0, ' · row 2 · ETA 20s')}`,
        // An unknown row is printed above the bar too: it needs the operator.
        `${ERASE}warn: [2/3] row 2: 250 USDT_TRC20 → TR7NHqje…gjLj6t: UNKNOWN: connection dropped · ETA 10s\n${bar(1, 1, 0, ' · row 2 · ETA 20s')}`,
        ERASE + bar(2, 1, 1, ' · ETA 10s'),
        ERASE,
      ].join(''),
    );
    const logged = readFileSync(logFile, 'utf8');
    expect(logged).toContain('[1/3] row 1: 150 USDT_TRC20 → TR7NHqje…gjLj6t: paid INV-AAAA1111');
    expect(logged).toContain('UNKNOWN: connection dropped');
  });

  it('counts the ETA down between rows', () => {
    const term = fakeTerminal();
    const line = new TerminalStatusLine(term.stream, false);
    let now = 0;
    const progress = new BarProgress(createLogger({ silent: true }), line, { now: () => now, tickMs: 5 });
    progress.start(2, 24_000);
    now = 9_000;
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        progress.stop();
        expect(term.text()).toContain('ETA 15s');
        resolve();
      }, 30),
    );
  });

  it('messages on stdout while the bar is shown do not mix with it', () => {
    const term = fakeTerminal();
    const line = new TerminalStatusLine(term.stream, false);
    line.show('BAR');
    line.interrupt(() => term.stream.write('printed\n'));
    expect(term.text()).toBe(`${ERASE}BAR${ERASE}printed\n${ERASE}BAR`);
  });
});

describe('choosing the form', () => {
  it.each([
    ['a terminal', { isTTY: true }, {}, 'bar', true],
    ['NO_COLOR set', { isTTY: true }, { NO_COLOR: '1' }, 'bar', false],
    ['NO_COLOR empty (unset)', { isTTY: true }, { NO_COLOR: '' }, 'bar', true],
    ['not a terminal', { isTTY: false }, {}, 'lines', undefined],
    ['TERM=dumb', { isTTY: true }, { TERM: 'dumb' }, 'lines', undefined],
  ])('%s', (_name, tty, env, form, color) => {
    const line = openStatusLine({ ...tty, columns: 80, write: () => true }, env);
    expect(line ? 'bar' : 'lines').toBe(form);
    expect(line?.color).toBe(color);
  });

  it('with NO_COLOR the bar has no colour codes', () => {
    const term = fakeTerminal();
    const line = openStatusLine(term.stream, { NO_COLOR: '1' });
    if (!line) throw new Error('expected a status line');
    const progress = new BarProgress(createLogger({ silent: true }), line, { color: line.color, tickMs: 0 });
    progress.start(1, 1000);
    progress.row({ ...event(1, 'paid', 'INV-AAAA1111', 0, 1), rowNumber: 1 });
    progress.stop();
    expect(term.text()).toContain('1 paid');
    // eslint-disable-next-line no-control-regex -- the escape code is what this test looks for
    expect(term.text()).not.toMatch(/\x1b\[\d+m/);
  });
});

describe('a long wait says what it waits for', () => {
  it('on the status line, while it lasts', () => {
    const state = {
      total: 8,
      paid: 4,
      failed: 0,
      unknown: 0,
      current: 5,
      waitingUntil: 11_000,
      waitingFor: "the API's pace",
    };
    expect(renderBar(state, 120, false, 0)).toContain("row 5 · waiting 11s (the API's pace)");
    expect(renderBar(state, 120, false, 11_000)).not.toContain('waiting');
  });

  it('in the plain lines when it is not the ordinary pace', () => {
    const lines: string[] = [];
    const logger = { info: (message: string, meta?: { fileOnly?: boolean }) => meta?.fileOnly || lines.push(message) };
    const progress = new LineProgress(logger as never);
    progress.waiting(3, { ms: 12_000, why: "the API's pace", ordinary: true });
    progress.waiting(4, { ms: 4000, why: 'the API, which asked to slow down', ordinary: false });
    expect(lines).toEqual(['row 4: waiting 4s for the API, which asked to slow down']);
  });
});
