/** The agree helpers fail exactly where their matchers fail, so a property using them still can. */
import { describe, expect, it } from '@jest/globals';
import {
  expectAtMost,
  expectBe,
  expectBelow,
  expectEqual,
  expectMatch,
  expectStrictEqual,
  expectUndefined,
} from './agree.js';

describe('agree helpers', () => {
  it('pass on what the matcher passes', () => {
    expect(() => expectBe(1, 1)).not.toThrow();
    expect(() => expectBe(Number.NaN, Number.NaN)).not.toThrow();
    expect(() => expectEqual({ a: [1] }, { a: [1] })).not.toThrow();
    // toEqual ignores an undefined property, which Node's strict comparison does not: the matcher decides.
    expect(() => expectEqual({ a: 1, b: undefined }, { a: 1 })).not.toThrow();
    expect(() => expectStrictEqual([1, { b: '2' }], [1, { b: '2' }])).not.toThrow();
    expect(() => expectUndefined(undefined)).not.toThrow();
    expect(() => expectMatch('12.5', /^\d+(\.\d+)?$/)).not.toThrow();
    const global = /a/g;
    expect(() => expectMatch('a', global)).not.toThrow();
    expect(() => expectMatch('a', global)).not.toThrow();
    expect(() => expectAtMost(2, 2)).not.toThrow();
    expect(() => expectAtMost(1n, 2)).not.toThrow();
    expect(() => expectBelow(1, 2)).not.toThrow();
  });

  it('fail on what the matcher fails', () => {
    expect(() => expectBe(0, -0)).toThrow();
    expect(() => expectBe('1', '2')).toThrow();
    expect(() => expectEqual([1, 2], [1, 3])).toThrow();
    expect(() => expectStrictEqual({ a: 1, b: undefined }, { a: 1 })).toThrow();
    expect(() => expectStrictEqual([1], ['1'])).toThrow();
    expect(() => expectUndefined(null)).toThrow();
    expect(() => expectUndefined(0)).toThrow();
    expect(() => expectMatch('12.', /^\d+(\.\d+)?$/)).toThrow();
    expect(() => expectAtMost(3, 2)).toThrow();
    expect(() => expectAtMost(Number.NaN, 2)).toThrow();
    expect(() => expectBelow(2, 2)).toThrow();
    expect(() => expectBelow(Number.NaN, 2)).toThrow();
  });
});
