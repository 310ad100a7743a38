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
  /**
   * Open addressing, one slot per 3 words side by side (hash A, hash B, value), so a probe reads
   * one cache line instead of three arrays' worth: the table outgrows the caches at 1M rows.
   */
  private slots = new Uint32Array(1024 * 3);
  private capacity = 1024;
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
    const at = this.probe(key);
    const stored = this.slots[at + 2] ?? 0;
    if (stored !== 0) return stored;
    this.slots[at] = pairA;
    this.slots[at + 1] = pairB;
    this.slots[at + 2] = value;
    this.count += 1;
    if (this.count * 2 > this.capacity) this.grow();
    return undefined;
  }

  /** The value stored with an equal key, without storing anything. */
  lookup(key: string): number | undefined {
    const stored = this.slots[this.probe(key) + 2] ?? 0;
    return stored === 0 ? undefined : stored;
  }

  /**
   * The index (in words) of the slot holding `key`, or of the free slot where it belongs;
   * leaves the key's two hashes in pairA and pairB.
   */
  private probe(key: string): number {
    hashPair(key);
    const { slots } = this;
    const mask = this.capacity - 1;
    for (let slot = pairA & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 3;
      if ((slots[at + 2] ?? 0) === 0 || (slots[at] === pairA && slots[at + 1] === pairB)) return at;
    }
  }

  /** How many distinct keys are stored. */
  get size(): number {
    return this.count;
  }

  private grow(): void {
    const old = this.slots;
    const oldCapacity = this.capacity;
    this.capacity = oldCapacity * 2;
    this.slots = new Uint32Array(this.capacity * 3);
    const mask = this.capacity - 1;
    for (let i = 0; i < oldCapacity; i += 1) {
      const row = old[i * 3 + 2] ?? 0;
      if (row === 0) continue;
      const a = old[i * 3] ?? 0;
      let slot = a & mask;
      while ((this.slots[slot * 3 + 2] ?? 0) !== 0) slot = (slot + 1) & mask;
      this.slots[slot * 3] = a;
      this.slots[slot * 3 + 1] = old[i * 3 + 1] ?? 0;
      this.slots[slot * 3 + 2] = row;
    }
  }
}

/** The two hashes of the last `hashPair` call (module state: no object per row). */
let pairA = 0;
let pairB = 0;

/**
 * Two independent hashes of `text` in one pass: FNV-1a over UTF-16 code units from two seeds,
 * each with a murmur3 finaliser for a good spread. B is odd (`| 1`), so 0 never marks a slot.
 */
function hashPair(text: string): void {
  let a = 0x811c9dc5;
  let b = 0x2f4a7c15;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  pairA = finalise(a);
  // `| 1` yields a signed int32: back to unsigned, or it never equals what the Uint32Array stored.
  pairB = (finalise(b) | 1) >>> 0;
}

function finalise(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
