/**
 * What the sandbox did with every create request: in memory, and optionally as JSON lines in a
 * file that crash tests read from another process.
 *
 * Stage sandbox/: may import journal, csv, validate, api, schedule, core (.dependency-cruiser.cjs).
 */
import { appendFileSync } from 'node:fs';
import type { LedgerEntry } from './types.js';

/** The in-memory ledger with its optional file mirror. */
export class Ledger {
  readonly #entries: LedgerEntry[] = [];
  readonly #file: string | undefined;

  /** Creates (or appends to) `file` at once, so a bad path fails at start, not mid-run. */
  constructor(file?: string) {
    this.#file = file;
    if (file !== undefined) appendFileSync(file, '');
  }

  /**
   * Records an entry and returns it with its `seq`. Written synchronously: a test that kills
   * the client right after the sandbox processed its request still finds the line.
   */
  record(entry: Omit<LedgerEntry, 'seq'>): LedgerEntry {
    const full: LedgerEntry = { seq: this.#entries.length + 1, ...entry };
    this.#entries.push(full);
    if (this.#file !== undefined) appendFileSync(this.#file, `${JSON.stringify(full)}\n`);
    return full;
  }

  /** A deep copy of the entries, so callers cannot alter the record. */
  list(): LedgerEntry[] {
    return this.#entries.map((entry) => ({ ...entry }));
  }
}
