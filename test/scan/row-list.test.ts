import { describe, expect, it } from '@jest/globals';
import { AscendingRows } from '../../src/scan/row-list.js';

describe('AscendingRows', () => {
  it('keeps row numbers in order past its first capacity', () => {
    const rows = new AscendingRows();
    for (let n = 3; n <= 9000; n += 3) rows.push(n);
    expect(rows.size).toBe(3000);
    expect(rows.at(0)).toBe(3);
    expect(rows.at(2999)).toBe(9000);
    expect(rows.at(3000)).toBeUndefined();
    expect(rows.has(2997)).toBe(true);
    expect(rows.has(2998)).toBe(false);
    expect(rows.has(9001)).toBe(false);
  });

  it('refuses a row out of order or not a row number', () => {
    const rows = new AscendingRows();
    rows.push(5);
    expect(() => rows.push(5)).toThrow(RangeError);
    expect(() => rows.push(4)).toThrow(RangeError);
    for (const bad of [0, -1, 1.5, 2 ** 32, Number.NaN])
      expect(() => new AscendingRows().push(bad)).toThrow(RangeError);
  });

  it('tells whether any row of a range is in the list', () => {
    const rows = new AscendingRows();
    for (const n of [3, 10, 11, 500]) rows.push(n);
    const inRange = (first: number, last: number) => [3, 10, 11, 500].some((n) => n >= first && n <= last);
    for (let first = 1; first <= 510; first += 1) {
      for (const width of [0, 1, 5, 100])
        expect(rows.anyBetween(first, first + width)).toBe(inRange(first, first + width));
    }
    expect(new AscendingRows().anyBetween(1, 1000)).toBe(false);
  });
});
