import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalEntry, JournalHeader } from '../../src/journal/entries.js';
import { JournalWriter, loadJournal } from '../../src/journal/file.js';
import { acquireLock } from '../../src/journal/lock.js';
import { applyEntry, emptyState, IN_FLIGHT_MESSAGE, JournalOrderError } from '../../src/journal/replay.js';

const header: JournalHeader = {
  type: 'header',
  version: 1,
  input: { sha256: 'a'.repeat(64), bytes: 10, name: 'p.csv' },
  createdAt: '2026-11-21T00:00:00Z',
};
const payload = { currency_code: 'BTC', to_address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', amount: '0.1' };
const intent = (row: number, attempt = 1): JournalEntry => ({
  type: 'intent',
  row,
  attempt,
  at: 1000 + row,
  ...payload,
});
const outcome = (
  row: number,
  kind: 'accepted' | 'rejected' | 'unknown' | 'rate_limited' | 'never_sent' | 'auth_failed',
  attempt = 1,
): JournalEntry => ({
  type: 'outcome',
  row,
  attempt,
  startedAt: 2000,
  endedAt: 2010,
  outcome:
    kind === 'accepted'
      ? { kind, invoiceId: 'INV-AAAA1111' }
      : kind === 'rejected'
        ? { kind, code: 'network', message: 'bad network' }
        : { kind, message: kind },
});

function replay(entries: JournalEntry[]) {
  const state = emptyState(header);
  entries.forEach((e, i) => applyEntry(state, e, i + 2));
  return state;
}

describe('replay', () => {
  it.each([
    ['an intent alone is unknown (in flight)', [intent(1)], 'unknown'],
    ['accepted is paid', [intent(1), outcome(1, 'accepted')], 'paid'],
    ['rejected is failed', [intent(1), outcome(1, 'rejected')], 'failed'],
    ['unknown stays unknown', [intent(1), outcome(1, 'unknown')], 'unknown'],
    ['rate-limited is still to send', [intent(1), outcome(1, 'rate_limited')], 'pending'],
    ['never sent is still to send', [intent(1), outcome(1, 'never_sent')], 'pending'],
    ['refused key is still to send', [intent(1), outcome(1, 'auth_failed')], 'pending'],
    [
      'a retry after a rate limit can be paid',
      [intent(1), outcome(1, 'rate_limited'), intent(1, 2), outcome(1, 'accepted', 2)],
      'paid',
    ],
    [
      'failed can be retried (--retry-failed)',
      [intent(1), outcome(1, 'rejected'), intent(1, 2), outcome(1, 'accepted', 2)],
      'paid',
    ],
    [
      'resolved as paid',
      [intent(1), { type: 'resolve', row: 1, at: 3000, invoiceId: 'INV-BBBB2222' } as JournalEntry],
      'paid',
    ],
    [
      'resolved as not paid is pending again',
      [intent(1), outcome(1, 'unknown'), { type: 'resolve', row: 1, at: 3000, invoiceId: null } as JournalEntry],
      'pending',
    ],
  ])('%s', (_name, entries, status) => {
    expect(replay(entries).rows.get(1)?.status).toBe(status);
  });

  it('marks an intent without outcome as in flight, with a message that says what to do', () => {
    const record = replay([intent(4)]).rows.get(4);
    expect(record?.inFlight).toBe(true);
    expect(record?.error).toBe(IN_FLIGHT_MESSAGE);
  });

  it.each([
    ['a second intent for a paid row', [intent(1), outcome(1, 'accepted'), intent(1, 2)]],
    ['a second intent for an unknown row', [intent(1), outcome(1, 'unknown'), intent(1, 2)]],
    ['an outcome without intent', [outcome(1, 'accepted')]],
    ['a skipped attempt number', [intent(1, 2)]],
    [
      'resolving a paid row',
      [intent(1), outcome(1, 'accepted'), { type: 'resolve', row: 1, at: 1, invoiceId: null } as JournalEntry],
    ],
  ])('refuses %s', (_name, entries) => {
    expect(() => replay(entries)).toThrow(JournalOrderError);
  });

  it('remembers the last request for the gap after a restart', () => {
    expect(replay([intent(1), outcome(1, 'accepted'), intent(2)]).lastRequest).toEqual({ intentAt: 1002 });
    expect(replay([intent(1), outcome(1, 'accepted')]).lastRequest).toEqual({
      intentAt: 1001,
      startedAt: 2000,
      endedAt: 2010,
    });
  });

  it.each<[string, JournalEntry[], object]>([
    ['a balance query that was over', [balance(5000, 5001, 5040)], { intentAt: 5000, startedAt: 5001, endedAt: 5040 }],
    ['a balance query cut short by a crash (only its time)', [balance(5000)], { intentAt: 5000 }],
    [
      'a balance query after payouts',
      [intent(1), outcome(1, 'accepted'), balance(5000, 5001, 5040)],
      { intentAt: 5000, startedAt: 5001, endedAt: 5040 },
    ],
    [
      'a payout after a balance query',
      [balance(500, 501, 540), intent(1), outcome(1, 'accepted')],
      { intentAt: 1001, startedAt: 2000, endedAt: 2010 },
    ],
  ])('folds %s into the last request, changing no row', (_name, entries, last) => {
    const state = replay(entries);
    expect(state.lastRequest).toEqual(last);
    expect(state.rows.size).toBe(entries.filter((e) => e.type === 'intent').length);
  });
});

function balance(at: number, startedAt?: number, endedAt?: number): JournalEntry {
  return {
    type: 'request',
    what: 'balance',
    at,
    ...(startedAt !== undefined && { startedAt, endedAt }),
  } as JournalEntry;
}

describe('journal file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is absent when there is no file', async () => {
    expect(await loadJournal(join(dir, 'none.jsonl'))).toBeUndefined();
  });

  it('round-trips what it appends, owner-only', async () => {
    const path = join(dir, 'c.jsonl');
    const writer = JournalWriter.create(path, header);
    writer.append(intent(1));
    writer.append(outcome(1, 'accepted'));
    writer.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const loaded = await loadJournal(path);
    expect(loaded?.state?.rows.get(1)?.invoiceId).toBe('INV-AAAA1111');
    expect(loaded?.tornBytes).toBe(0);
  });

  it('reads back a balance query line for the gap', async () => {
    const path = join(dir, 'c.jsonl');
    const writer = JournalWriter.create(path, header);
    writer.append(balance(7000));
    writer.append(balance(7000, 7001, 7050));
    writer.close();
    expect((await loadJournal(path))?.state?.lastRequest).toEqual({ intentAt: 7000, startedAt: 7001, endedAt: 7050 });
  });

  it('reads the monotonic times with the wall times, and lines without them (earlier versions) as wall times only', async () => {
    const path = join(dir, 'c.jsonl');
    const writer = JournalWriter.create(path, header);
    writer.append({
      type: 'intent',
      row: 1,
      attempt: 1,
      at: 1000,
      currency_code: 'USDT_TRC20',
      to_address: 'T',
      amount: '1',
      boot: 'boot-a',
      atMono: 50,
    });
    writer.append({
      type: 'outcome',
      row: 1,
      attempt: 1,
      startedAt: 1002,
      endedAt: 1040,
      outcome: { kind: 'accepted', invoiceId: 'INV-A' },
      boot: 'boot-a',
      startedMono: 52,
      endedMono: 90,
    });
    writer.close();
    expect((await loadJournal(path))?.state?.lastRequest).toEqual({
      intentAt: 1000,
      startedAt: 1002,
      endedAt: 1040,
      mono: { boot: 'boot-a', intentAt: 50, startedAt: 52, endedAt: 90 },
    });
    const again = JournalWriter.reopen(path, (await loadJournal(path))!);
    again.append({
      type: 'intent',
      row: 2,
      attempt: 1,
      at: 2000,
      currency_code: 'USDT_TRC20',
      to_address: 'T',
      amount: '2',
    });
    again.close();
    expect((await loadJournal(path))?.state?.lastRequest).toEqual({ intentAt: 2000 });
  });

  it('replaces a journal whole, owner-only, and appends after the carried lines', async () => {
    const path = join(dir, 'c.jsonl');
    JournalWriter.create(path, header).close();
    const other = { ...header, input: { ...header.input, sha256: 'b'.repeat(64) } };
    const writer = JournalWriter.replace(path, other, [balance(7000, 7001, 7050)]);
    writer.append(intent(1));
    writer.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const state = (await loadJournal(path))?.state;
    expect(state?.header.input.sha256).toBe('b'.repeat(64));
    expect(state?.rows.get(1)?.status).toBe('unknown');
    expect(state?.lastRequest).toEqual({ intentAt: 1001 });
    expect(readdirSync(dir)).toEqual(['c.jsonl']);
  });

  it('refuses to create over an existing journal', () => {
    const path = join(dir, 'c.jsonl');
    JournalWriter.create(path, header).close();
    expect(() => JournalWriter.create(path, header)).toThrow(/EEXIST/);
  });

  it('ignores a torn last line (its fsync never returned, so its request never left) and cuts it off', async () => {
    const path = join(dir, 'c.jsonl');
    const writer = JournalWriter.create(path, header);
    writer.append(intent(1));
    writer.append(outcome(1, 'accepted'));
    writer.close();
    const whole = readFileSync(path).length;
    appendFileSync(path, JSON.stringify(intent(2)).slice(0, 25));
    const loaded = await loadJournal(path);
    expect(loaded?.tornBytes).toBe(25);
    expect(loaded?.state?.rows.has(2)).toBe(false);
    if (!loaded) throw new Error('not loaded');
    JournalWriter.reopen(path, loaded).close();
    expect(readFileSync(path).length).toBe(whole);
  });

  it('treats a file without a complete header as never used', async () => {
    const path = join(dir, 'c.jsonl');
    writeFileSync(path, '{"type":"hea');
    const loaded = await loadJournal(path);
    expect(loaded?.state).toBeUndefined();
    JournalWriter.create(path, header, true).close();
    expect((await loadJournal(path))?.state?.header.input.sha256).toBe(header.input.sha256);
  });

  it.each([
    ['a line that is not JSON', '{"type":"intent",\n'],
    ['a JSON line the tool did not write', '{"type":"payment","row":1}\n'],
  ])('refuses %s in the middle, naming the line', async (_name, bad) => {
    const path = join(dir, 'c.jsonl');
    writeFileSync(
      path,
      `${JSON.stringify(header)}\n${JSON.stringify(intent(1))}\n${bad}${JSON.stringify(outcome(1, 'accepted'))}\n`,
    );
    await expect(loadJournal(path)).rejects.toThrow(/damaged at line 3/);
  });
});

describe('lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets one holder in at a time', () => {
    const path = join(dir, 'c.jsonl');
    const lock = acquireLock(path);
    expect(() => acquireLock(path)).toThrow(/another payout command \(pid \d+/);
    lock.release();
    acquireLock(path).release();
  });

  it('takes over a lock whose process is dead', async () => {
    const path = join(dir, 'c.jsonl');
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid;
    await new Promise((resolve) => child.on('exit', resolve));
    const held = acquireLock(path);
    const content = JSON.parse(readFileSync(`${path}.lock`, 'utf8')) as Record<string, unknown>;
    held.release();
    writeFileSync(`${path}.lock`, JSON.stringify({ ...content, pid: deadPid, token: 'dead' }));
    const lock = acquireLock(path);
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('never takes over a lock from another boot id: on a shared folder its holder may still run', () => {
    const path = join(dir, 'c.jsonl');
    const held = acquireLock(path);
    const content = JSON.parse(readFileSync(`${path}.lock`, 'utf8')) as Record<string, unknown>;
    held.release();
    // A pid that cannot run here: on this boot it would be proof enough, from another boot it is not.
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({ ...content, pid: 2 ** 22 + 7, bootId: 'another-boot', token: 'old' }),
    );
    expect(() => acquireLock(path)).toThrow(/cannot prove that process is gone .*delete the file .*c\.jsonl\.lock/);
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8')).token).toBe('old');
  });
});

describe('lock on exit', () => {
  it('goes with a process that exits without releasing it (a second Ctrl-C)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'payout-lock-exit-'));
    const path = join(dir, 'c.jsonl');
    const script = `import('${join(process.cwd(), 'dist', 'journal', 'lock.js')}').then(({ acquireLock }) => { acquireLock(${JSON.stringify(path)}); process.exit(3); })`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(3);
    expect(existsSync(`${path}.lock`)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
