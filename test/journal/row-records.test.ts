/**
 * RowRecords answers exactly like the Map of records it replaced, whatever is set, in any order,
 * including rows past its arrays and records with and without ids, errors and in-flight marks.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { expectBe, expectEqual, expectStrictEqual } from '../helpers/agree.js';
import type { RowRecord } from '../../src/journal/replay.js';
import { RowRecords } from '../../src/journal/row-records.js';

const record: fc.Arbitrary<RowRecord> = fc
  .record({
    status: fc.constantFrom('paid', 'failed', 'unknown', 'pending'),
    attempts: fc.integer({ min: 0, max: 0xffffffff }),
    invoiceId: fc.option(fc.string({ maxLength: 6 }), { nil: undefined, freq: 1 }),
    error: fc.option(fc.string({ maxLength: 6 }), { nil: undefined, freq: 1 }),
    inFlight: fc.option(fc.constant(true as const), { nil: undefined, freq: 1 }),
  })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as RowRecord);
const row = fc.oneof(
  fc.integer({ min: 1, max: 8 }),
  fc.integer({ min: 1, max: 3000 }),
  fc.constantFrom(1 << 22, (1 << 22) - 1, (1 << 22) + 5, Number.MAX_SAFE_INTEGER),
);

describe('RowRecords', () => {
  it('answers get, has, size and entries like a Map', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(row, record, fc.boolean()), { maxLength: 60 }), (steps) => {
        const map = new Map<number, RowRecord>();
        const records = new RowRecords();
        for (const [n, r, paidShortcut] of steps) {
          if (
            paidShortcut &&
            r.status === 'paid' &&
            r.invoiceId !== undefined &&
            r.error === undefined &&
            !r.inFlight
          ) {
            records.setPaid(n, r.invoiceId, r.attempts);
          } else {
            records.set(n, r);
          }
          map.set(n, { ...r });
          expectEqual(records.get(n), map.get(n));
        }
        expectBe(records.size, map.size);
        for (const [n] of steps) {
          expectBe(records.has(n), true);
          expectStrictEqual(records.get(n), map.get(n));
        }
        expectBe(records.has(4242), map.has(4242));
        expectStrictEqual(
          [...records.entries()],
          [...map.entries()].sort(([a], [b]) => a - b),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('forgets what a row no longer has: its error once paid, its id once pending', () => {
    const records = new RowRecords();
    records.set(7, { status: 'failed', error: 'rejected', attempts: 1 });
    records.setPaid(7, 'INV-1', 2);
    expect(records.get(7)).toStrictEqual({ status: 'paid', invoiceId: 'INV-1', attempts: 2 });
    records.set(7, { status: 'pending', error: 'resolved as not paid', attempts: 2 });
    expect(records.get(7)).toStrictEqual({ status: 'pending', error: 'resolved as not paid', attempts: 2 });
  });

  it('lists every row, however it was set, up to the highest row in its arrays and past them', () => {
    // A row set by the paid shortcut alone, the top slot of the arrays and a row past them are all
    // listed, in order (the Map property rarely makes the highest row a shortcut's alone).
    const records = new RowRecords();
    records.set(5, { status: 'failed', error: 'rejected', attempts: 1 });
    records.setPaid(2_000, 'INV-2000', 1);
    expect([...records.keys()]).toEqual([5, 2_000]);
    records.setPaid((1 << 22) - 1, 'INV-top', 1);
    records.set(1 << 22, { status: 'unknown', attempts: 1 });
    records.setPaid(3, 'INV-3', 1);
    expect([...records.keys()]).toEqual([3, 5, 2_000, (1 << 22) - 1, 1 << 22]);
    expect(records.get((1 << 22) - 1)).toStrictEqual({ status: 'paid', invoiceId: 'INV-top', attempts: 1 });
  });

  it('gives a fresh record each time: changing one changes nothing stored', () => {
    const records = new RowRecords();
    records.set(3, { status: 'unknown', error: 'e', attempts: 1, inFlight: true });
    const got = records.get(3)!;
    got.status = 'paid';
    got.attempts = 9;
    expect(records.get(3)).toStrictEqual({ status: 'unknown', error: 'e', attempts: 1, inFlight: true });
    expect(records.get(0)).toBeUndefined();
    expect(records.has(-1)).toBe(false);
    expect(() => records.set(0, { status: 'paid', attempts: 1 })).toThrow(RangeError);
    expect(() => records.set(2.5, { status: 'paid', attempts: 1 })).toThrow(RangeError);
  });
});
