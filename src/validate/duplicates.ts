/**
 * Finds rows that repeat an earlier row's currency, address and amount: the classic payroll
 * mistake of a line pasted twice. Pure; memory stays flat at about 24 bytes a row (two 32-bit
 * hashes and a row number per slot, half the slots free) instead of a string per row.
 */
import type { ValidPayout } from '../core/types.js';

/** The key two payouts share when they pay the same amount of the same currency to the same recipient. */
export function payoutKey(payout: ValidPayout): string {
  return `${recipientKey(payout)}\u0000${payout.amount}`;
}

/** The key two payouts share when they pay the same recipient in the same currency, whatever the amount. */
export function recipientKey(payout: Pick<ValidPayout, 'currencyCode' | 'toAddress'>): string {
  return `${payout.currencyCode}\u0000${normalAddress(payout.toAddress)}`;
}

/** An address as compared: EVM hex and bech32 are case-insensitive, so one recipient typed two ways is one recipient. */
export function normalAddress(address: string): string {
  return /^0x|^(bc1|ltc1)/i.test(address) ? address.toLowerCase() : address;
}

/** Remembers every payout seen and tells, for each new one, which earlier row it repeats. */
export class DuplicateFinder {
  private hashA = new Uint32Array(1024);
  private hashB = new Uint32Array(1024);
  private rows = new Uint32Array(1024);
  private count = 0;

  /**
   * Returns the row number of an earlier identical payout, or undefined (and remembers this
   * one). Two different payouts share both 32-bit hashes with a chance of about 1 in 2^64 a
   * pair: a wrongly flagged row is then shown to the operator, never paid twice.
   */
  check(payout: ValidPayout, rowNumber: number): number | undefined {
    return this.checkKey(payoutKey(payout), rowNumber);
  }

  /**
   * The same for any text key: returns the value stored with an equal key, or undefined after
   * storing `value` (a positive whole number below 2^32) with this one.
   */
  checkKey(key: string, value: number): number | undefined {
    const a = hash(key, 0x811c9dc5);
    // `| 1` yields a signed int32: back to unsigned, or it never equals what the Uint32Array stored.
    const b = (hash(key, 0x2f4a7c15) | 1) >>> 0;
    const mask = this.rows.length - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const row = this.rows[slot] ?? 0;
      if (row === 0) {
        this.rows[slot] = value;
        this.hashA[slot] = a;
        this.hashB[slot] = b;
        this.count += 1;
        if (this.count * 2 > this.rows.length) this.grow();
        return undefined;
      }
      if (this.hashA[slot] === a && this.hashB[slot] === b) return row;
    }
  }

  /** The value stored with an equal key, without storing anything. */
  lookup(key: string): number | undefined {
    const a = hash(key, 0x811c9dc5);
    // `| 1` yields a signed int32: back to unsigned, or it never equals what the Uint32Array stored.
    const b = (hash(key, 0x2f4a7c15) | 1) >>> 0;
    const mask = this.rows.length - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const row = this.rows[slot] ?? 0;
      if (row === 0) return undefined;
      if (this.hashA[slot] === a && this.hashB[slot] === b) return row;
    }
  }

  /** How many distinct keys are stored. */
  get size(): number {
    return this.count;
  }

  private grow(): void {
    const { hashA, hashB, rows } = this;
    const size = rows.length * 2;
    this.hashA = new Uint32Array(size);
    this.hashB = new Uint32Array(size);
    this.rows = new Uint32Array(size);
    const mask = size - 1;
    for (let i = 0; i < rows.length; i += 1) {
      const row = rows[i] ?? 0;
      if (row === 0) continue;
      const a = hashA[i] ?? 0;
      let slot = a & mask;
      while ((this.rows[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
      this.rows[slot] = row;
      this.hashA[slot] = a;
      this.hashB[slot] = hashB[i] ?? 0;
    }
  }
}

/** FNV-1a over UTF-16 code units, with a murmur3 finaliser for a good spread; `seed` makes the two hashes independent. */
function hash(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
