import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ValidPayout } from '../../src/core/types.js';
import { apiIdentity } from '../../src/api/identity.js';
import { importLegacy } from '../../src/ledger/legacy.js';
import { PaymentIndex, REPEAT_WINDOW_DAYS } from '../../src/ledger/payment-index.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const API = 'https://api.cryptocloud.plus';
const SHA = 'b'.repeat(64);
const CREATED = '2026-11-20T08:00:00.000Z';
const OLD_ID = `${SHA}@${CREATED}`;
const EVM = '0x52908400098527886E0F7030069857D2E4169EE7';

const payout: ValidPayout = { currencyCode: 'USDT_ERC20', toAddress: EVM, amount: '12.5' };

interface Entry {
  v: 1;
  at: string;
  currency: string;
  address: string;
  amount: string;
  invoiceId: string;
  input: string;
  sha256: string;
  checkpoint: string;
  baseUrl: string;
}

function entry(fields: Partial<Entry> = {}): Entry {
  return {
    v: 1,
    at: new Date(NOW - 3 * DAY_MS).toISOString(),
    currency: payout.currencyCode,
    // The old history kept addresses normalised (EVM in small letters).
    address: EVM.toLowerCase(),
    amount: payout.amount,
    invoiceId: 'INV-AAAA1111',
    input: 'november.csv',
    sha256: SHA,
    checkpoint: CREATED,
    baseUrl: API,
    ...fields,
  };
}

describe('importLegacy', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-legacy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const history = (text: string): void => writeFileSync(join(dir, 'history.jsonl'), text);
  const lines = (...entries: Array<Entry | string>): string =>
    entries.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n';
  const imported = (own: string | undefined = 'new-checkpoint'): { index: PaymentIndex; unreadable: number } => {
    const index = new PaymentIndex(own, NOW);
    const { unreadable } = importLegacy(dir, API, index);
    return { index, unreadable };
  };

  it('imports nothing from a folder without the old files', () => {
    const { index, unreadable } = imported();
    expect(unreadable).toBe(0);
    expect(index.empty).toBe(true);
    expect(index.lastRequest(API)).toBeUndefined();
  });

  it('imports nothing from a folder that does not exist', () => {
    const index = new PaymentIndex(undefined, NOW);
    expect(importLegacy(join(dir, 'missing'), API, index)).toEqual({ unreadable: 0 });
    expect(index.empty).toBe(true);
  });

  it('makes a paid entry of the old history a repeat, as a payment of that old checkpoint', () => {
    history(lines(entry()));
    const { index, unreadable } = imported();
    expect(unreadable).toBe(0);
    expect(index.repeatOf(API, payout)).toEqual({
      api: API,
      ckpt: OLD_ID,
      input: 'november.csv',
      row: 0,
      attempt: 1,
      at: NOW - 3 * DAY_MS,
      currency: payout.currencyCode,
      address: EVM.toLowerCase(),
      amount: payout.amount,
      state: 'paid',
    });
  });

  it('an entry with no invoice id is unknown (it may have paid), and still a repeat', () => {
    history(lines(entry({ invoiceId: '' })));
    expect(imported().index.repeatOf(API, payout)?.state).toBe('unknown');
  });

  it('matches the payroll’s address in any letter case (EVM)', () => {
    history(lines(entry()));
    const { index } = imported();
    expect(index.repeatOf(API, { ...payout, toAddress: EVM.toUpperCase().replace('0X', '0x') })).toBeDefined();
    expect(index.repeatOf(API, { ...payout, amount: '12.6' })).toBeUndefined();
    expect(index.repeatOf(API, { ...payout, currencyCode: 'USDT_TRC20' })).toBeUndefined();
  });

  it('leaves out the payments of the checkpoint being resumed (its old id is sha256@createdAt)', () => {
    history(lines(entry(), entry({ checkpoint: '2026-11-25T00:00:00.000Z', amount: '7' })));
    const { index } = imported(OLD_ID);
    expect(index.repeatOf(API, payout)).toBeUndefined();
    // The other run of that same file (another createdAt) is another checkpoint.
    expect(index.repeatOf(API, { ...payout, amount: '7' })?.ckpt).toBe(`${SHA}@2026-11-25T00:00:00.000Z`);
  });

  it('takes the entries of every API but a loopback one (one service has many names)', () => {
    history(
      lines(
        entry({ baseUrl: 'http://127.0.0.1:8080', amount: '1' }),
        entry({ baseUrl: 'https://api.cryptocloud.plus/', amount: '2' }),
        entry({ baseUrl: 'https://user:pw@api.cryptocloud.plus/?x=1', amount: '3' }),
        entry({ baseUrl: 'https://api.cryptocloud.plus/v3', amount: '4' }),
        entry({ baseUrl: 'not a url', amount: '5' }),
        entry({ baseUrl: 'http://localhost:8080/', amount: '6' }),
      ),
    );
    const { index, unreadable } = imported();
    expect(unreadable).toBe(0);
    expect(index.repeatOf(API, { ...payout, amount: '1' })).toBeUndefined();
    expect(index.repeatOf(API, { ...payout, amount: '2' })).toBeDefined();
    expect(index.repeatOf(API, { ...payout, amount: '3' })).toBeDefined();
    expect(index.repeatOf(API, { ...payout, amount: '4' })).toBeDefined();
    expect(index.repeatOf(API, { ...payout, amount: '5' })).toBeDefined();
    expect(index.repeatOf(API, { ...payout, amount: '6' })).toBeUndefined();
    // Imported for this API only, so not found through the other either.
    expect(index.repeatOf('http://127.0.0.1:8080', { ...payout, amount: '1' })).toBeUndefined();
    // The identity that was given is the one recorded.
    expect(apiIdentity('https://api.cryptocloud.plus/')).toBe(API);
  });

  it('ignores entries outside the window', () => {
    const edge = NOW - REPEAT_WINDOW_DAYS * DAY_MS;
    history(
      lines(
        entry({ at: new Date(edge - 1000).toISOString(), amount: '1' }),
        entry({ at: new Date(NOW - 200 * DAY_MS).toISOString(), amount: '2' }),
        entry({ at: new Date(edge + 1000).toISOString(), amount: '3' }),
      ),
    );
    const { index, unreadable } = imported();
    expect(unreadable).toBe(0);
    expect(index.repeatOf(API, { ...payout, amount: '1' })).toBeUndefined();
    expect(index.repeatOf(API, { ...payout, amount: '2' })).toBeUndefined();
    expect(index.repeatOf(API, { ...payout, amount: '3' })).toBeDefined();
  });

  it('reads the whole entry that follows a torn one on the same line', () => {
    const whole = entry({ amount: '42' });
    history(`{"v":1,"at":"2026-1${JSON.stringify(whole)}\n`);
    const { index, unreadable } = imported();
    expect(unreadable).toBe(0);
    expect(index.repeatOf(API, { ...payout, amount: '42' })).toMatchObject({ state: 'paid', ckpt: OLD_ID });
  });

  it('a torn line never swallows the next line, nor a last line without newline', () => {
    history(
      `${JSON.stringify(entry({ amount: '1' }))}\n{"v":1,"at":"2026-11-3\n${JSON.stringify(entry({ amount: '2' }))}\n${JSON.stringify(entry({ amount: '3' }))}`,
    );
    const { index, unreadable } = imported();
    expect(unreadable).toBe(1);
    for (const amount of ['1', '2', '3']) expect(index.repeatOf(API, { ...payout, amount })).toBeDefined();
  });

  it('counts garbage and entries it cannot use as unreadable, and reads the rest', () => {
    const { invoiceId: _dropped, ...noInvoice } = entry();
    history(
      lines(
        'garbage',
        '{"v":1,',
        JSON.stringify({ ...entry(), v: 2 }),
        JSON.stringify(noInvoice),
        JSON.stringify({ ...entry(), amount: 12.5 }),
        JSON.stringify(entry({ at: 'yesterday' })),
        'null',
        '',
        '   ',
        entry({ amount: '9' }),
      ),
    );
    const { index, unreadable } = imported();
    expect(unreadable).toBe(7);
    expect(index.repeatOf(API, { ...payout, amount: '9' })).toBeDefined();
    expect(index.repeatOf(API, payout)).toBeUndefined();
  });

  it('is no request: without the clock file, no last request is known', () => {
    history(lines(entry()));
    expect(imported().index.lastRequest(API)).toBeUndefined();
  });

  describe('last-request.json', () => {
    const clock = (value: unknown): void =>
      writeFileSync(join(dir, 'last-request.json'), typeof value === 'string' ? value : JSON.stringify(value));

    it('seeds the last request to this API', () => {
      clock({
        v: 1,
        requests: {
          [API]: { intentAt: 5000, startedAt: 5001, endedAt: 5030 },
          'http://127.0.0.1:8080': { intentAt: 9000 },
        },
      });
      expect(imported().index.lastRequest(API)).toEqual({ intentAt: 5000, startedAt: 5001, endedAt: 5030 });
      expect(imported().index.lastRequest('http://127.0.0.1:8080')).toBeUndefined();
    });

    it("finds the API under the old version's spelling of its URL (a path kept its trailing slash)", () => {
      clock({ v: 1, requests: { 'https://h.example/api/': { intentAt: 5000 } } });
      const index = new PaymentIndex(undefined, NOW);
      importLegacy(dir, 'https://h.example/api', index);
      expect(index.lastRequest('https://h.example/api')).toEqual({ intentAt: 5000 });
    });

    it('seeds a request cut short (only its intent)', () => {
      clock({ v: 1, requests: { [API]: { intentAt: 5000 } } });
      expect(imported().index.lastRequest(API)).toEqual({ intentAt: 5000 });
    });

    it('does not override a last request the outbox already gave', () => {
      clock({ v: 1, requests: { [API]: { intentAt: NOW, startedAt: NOW + 1, endedAt: NOW + 2 } } });
      const index = new PaymentIndex(undefined, NOW);
      index.apply({ v: 1, t: 'request', api: API, at: 4000, startedAt: 4001, endedAt: 4002 });
      importLegacy(dir, API, index);
      expect(index.lastRequest(API)).toEqual({ intentAt: 4000, startedAt: 4001, endedAt: 4002 });
    });

    it.each([
      ['damaged', '{"v":1,"requests":'],
      ['of another version', { v: 2, requests: { [API]: { intentAt: 5000 } } }],
      ['without requests', { v: 1 }],
      ['with a loopback API only', { v: 1, requests: { 'http://127.0.0.1:9': { intentAt: 5000 } } }],
      ['with a time that is no number', { v: 1, requests: { [API]: { intentAt: '5000' } } }],
    ])('is ignored when %s', (_name, value) => {
      clock(value);
      const { index, unreadable } = imported();
      expect(index.lastRequest(API)).toBeUndefined();
      expect(unreadable).toBe(0);
    });
  });
});
