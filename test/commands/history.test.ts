/**
 * The payment history: where it lives, what a line holds, which lines a new payroll is compared with.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultHistoryDir,
  HISTORY_FILE,
  HistoryWriter,
  loadRecentPayments,
  normalBaseUrl,
  type HistoryEntry,
} from '../../src/commands/history.js';
import { ADDRESS, tempDir } from '../helpers/payroll.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-11-21T12:00:00Z');
const API = 'https://api.cryptocloud.plus';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function entry(daysAgo: number, amount: string, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    v: 1,
    at: new Date(NOW - daysAgo * DAY).toISOString(),
    currency: 'USDT_ERC20',
    address: ADDRESS.evm.toLowerCase(),
    amount,
    invoiceId: 'INV-AAAA1111',
    input: 'payroll-oct.csv',
    sha256: 'a'.repeat(64),
    checkpoint: '2026-10-31T09:00:00.000Z',
    baseUrl: API,
    ...extra,
  };
}

function writeHistory(entries: Array<HistoryEntry | string>): void {
  writeFileSync(join(dir, HISTORY_FILE), entries.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n');
}

const payout = (amount: string, toAddress: string = ADDRESS.evm) => ({ currencyCode: 'USDT_ERC20', toAddress, amount });

describe('where', () => {
  it.each<[NodeJS.ProcessEnv, string]>([
    [{ PAYOUT_STATE_DIR: '/s', XDG_STATE_HOME: '/x' }, '/s'],
    [{ XDG_STATE_HOME: '/x' }, '/x/payout'],
    [{}, '/home/ann/.local/state/payout'],
    [{ PAYOUT_STATE_DIR: '', XDG_STATE_HOME: '' }, '/home/ann/.local/state/payout'],
  ])('%j → %s', (env, expected) => {
    expect(defaultHistoryDir(env, '/home/ann')).toBe(expected);
  });

  it('compares base URLs by origin and path', () => {
    expect(normalBaseUrl('https://API.cryptocloud.plus/')).toBe(API);
    expect(normalBaseUrl('http://127.0.0.1:8080/v2//')).toBe('http://127.0.0.1:8080/v2');
  });
});

describe('reading', () => {
  it('is empty without a file', async () => {
    const recent = await loadRecentPayments(join(dir, 'none'), { baseUrl: API, now: NOW });
    expect(recent.payments).toBe(0);
  });

  it('keeps the last 45 days of this API, matches case-insensitive EVM addresses, and groups by day and file', async () => {
    writeHistory([
      entry(46, '1'),
      entry(44, '2'),
      entry(10, '3', { input: 'payroll-nov.csv' }),
      entry(10, '4', { baseUrl: 'http://127.0.0.1:9999' }),
      '{"v":1,"at":"torn',
    ]);
    const recent = await loadRecentPayments(dir, { baseUrl: `${API}/`, now: NOW });
    expect(recent.payments).toBe(2);
    expect(recent.unreadable).toBe(1);
    expect(recent.match(payout('1'), 1)).toBe(false);
    expect(recent.match(payout('2', ADDRESS.evm.toUpperCase().replace('0X', '0x')), 2)).toBe(true);
    expect(recent.match(payout('3'), 3)).toBe(true);
    expect(recent.match(payout('3'), 4)).toBe(true);
    expect(recent.match(payout('4'), 5)).toBe(false);
    expect(recent.match(payout('2', ADDRESS.tron), 6)).toBe(false);
    expect(recent.repeats()).toEqual([
      { date: '2026-10-08', input: 'payroll-oct.csv', rows: 1, shown: [2] },
      { date: '2026-11-11', input: 'payroll-nov.csv', rows: 2, shown: [3, 4] },
    ]);
  });

  it("leaves out the payments of the checkpoint being resumed, not those of another run of the same bytes", async () => {
    writeHistory([entry(1, '1'), entry(1, '2', { checkpoint: '2026-11-20T08:00:00.000Z' })]);
    const recent = await loadRecentPayments(dir, { baseUrl: API, now: NOW, own: { sha256: 'a'.repeat(64), checkpoint: '2026-10-31T09:00:00.000Z' } });
    expect(recent.match(payout('1'), 1)).toBe(false);
    expect(recent.match(payout('2'), 2)).toBe(true);
  });
});

describe('writing', () => {
  it('creates the folder and an owner-only file, and appends whole lines', () => {
    const historyDir = join(dir, 'a', 'b');
    const writer = HistoryWriter.open(historyDir);
    writer.append(entry(0, '1'));
    writer.append(entry(0, '2'));
    writer.close();
    expect(statSync(join(historyDir, HISTORY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(historyDir).mode & 0o777).toBe(0o700);
    const lines = readFileSync(join(historyDir, HISTORY_FILE), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as HistoryEntry).amount)).toEqual(['1', '2']);
  });

  it('refuses, naming the file and the way out, when it cannot write', () => {
    const blocked = join(dir, 'file');
    writeFileSync(blocked, '');
    expect(() => HistoryWriter.open(join(blocked, 'sub'))).toThrow(/cannot write the payment history .*file\/sub\/history.jsonl .*--history-dir/);
  });

  it('appends to an existing history', () => {
    mkdirSync(join(dir, 'h'));
    appendFileSync(join(dir, 'h', HISTORY_FILE), `${JSON.stringify(entry(3, '9'))}\n`);
    const writer = HistoryWriter.open(join(dir, 'h'));
    writer.append(entry(0, '1'));
    writer.close();
    expect(readFileSync(join(dir, 'h', HISTORY_FILE), 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
