/**
 * What the journal knows of each row, kept compactly: a status byte and an attempt count per row
 * in typed arrays, the invoice ids in one array, the rare error texts in a map. A Map of a record
 * object per row cost a million-row resume ~1 s of replay and 100+ MB of heap (and the garbage
 * collector walks it on every full collection); this holds the same answers in ~15 bytes a row
 * plus the ids. It answers like the Map it replaced (get, set, has, size, entries), with a fresh
 * record object from each `get`: changing one changes nothing here.
 *
 * Stage journal/: may import csv, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
/** What the journal knows of one row. Rows it never mentions are pending. */
export interface RowRecord {
  status: 'paid' | 'failed' | 'unknown' | 'pending';
  invoiceId?: string;
  /** Why it failed, why it is unknown, or why a pending row was not sent. */
  error?: string;
  /** Requests journaled for this row so far (intents). */
  attempts: number;
  /** An intent with no outcome yet: the request may have left. Shown as unknown. */
  inFlight?: true;
}

/** Rows below this are kept in the arrays; a (damaged) journal naming higher rows keeps those in a map. */
const DENSE_LIMIT = 1 << 22;

const STATUS_CODES = { paid: 1, failed: 2, unknown: 3, pending: 4 } as const;
const STATUSES = [undefined, 'paid', 'failed', 'unknown', 'pending'] as const;
/** Added to the status code of a record in flight (an intent with no outcome yet). */
const IN_FLIGHT = 8;

export class RowRecords {
  /** 0: no record; else a STATUS_CODES value, plus IN_FLIGHT. */
  private status = new Uint8Array(1024);
  private attempts = new Uint32Array(1024);
  private readonly invoiceIds: Array<string | undefined> = [];
  private readonly errors = new Map<number, string>();
  /** Records of rows at or above DENSE_LIMIT. */
  private readonly sparse = new Map<number, RowRecord>();
  private count = 0;

  get size(): number {
    return this.count + this.sparse.size;
  }

  has(row: number): boolean {
    return row < DENSE_LIMIT ? (this.status[row] ?? 0) !== 0 : this.sparse.has(row);
  }

  get(row: number): RowRecord | undefined {
    if (row >= DENSE_LIMIT) {
      const record = this.sparse.get(row);
      return record && { ...record };
    }
    const code = this.status[row] ?? 0;
    if (code === 0) return undefined;
    const record: RowRecord = { status: STATUSES[code & 7] ?? 'pending', attempts: this.attempts[row] ?? 0 };
    const invoiceId = this.invoiceIds[row];
    if (invoiceId !== undefined) record.invoiceId = invoiceId;
    const error = this.errors.get(row);
    if (error !== undefined) record.error = error;
    if (code & IN_FLIGHT) record.inFlight = true;
    return record;
  }

  set(row: number, record: RowRecord): this {
    if (!Number.isSafeInteger(row) || row < 1) throw new RangeError(`not a row number: ${row}`);
    // Each attempt is journaled one after the other: four billion of them cannot happen.
    if (!(record.attempts >= 0 && record.attempts <= 0xffffffff))
      throw new RangeError(`not an attempt count: ${record.attempts}`);
    if (row >= DENSE_LIMIT) {
      this.sparse.set(row, { ...record });
      return this;
    }
    this.reserve(row);
    if ((this.status[row] ?? 0) === 0) this.count += 1;
    this.status[row] = STATUS_CODES[record.status] + (record.inFlight ? IN_FLIGHT : 0);
    this.attempts[row] = record.attempts;
    if (record.invoiceId !== undefined || this.invoiceIds[row] !== undefined) this.invoiceIds[row] = record.invoiceId;
    if (record.error !== undefined) this.errors.set(row, record.error);
    else this.errors.delete(row);
    return this;
  }

  /** `set(row, {status: 'paid', invoiceId, attempts})` without the object: the common line of a long replay. */
  setPaid(row: number, invoiceId: string, attempts: number): void {
    if (row >= DENSE_LIMIT || !Number.isSafeInteger(row) || row < 1) {
      this.set(row, { status: 'paid', invoiceId, attempts });
      return;
    }
    this.reserve(row);
    if ((this.status[row] ?? 0) === 0) this.count += 1;
    this.status[row] = STATUS_CODES.paid;
    this.attempts[row] = attempts;
    this.invoiceIds[row] = invoiceId;
    if (this.errors.size > 0) this.errors.delete(row);
  }

  /** Every record, by ascending row. */
  *entries(): IterableIterator<[number, RowRecord]> {
    const limit = Math.min(this.status.length, DENSE_LIMIT);
    for (let row = 1; row < limit; row += 1) {
      if ((this.status[row] ?? 0) !== 0) yield [row, this.get(row) as RowRecord];
    }
    for (const row of [...this.sparse.keys()].sort((a, b) => a - b)) yield [row, this.get(row) as RowRecord];
  }

  *keys(): IterableIterator<number> {
    for (const [row] of this.entries()) yield row;
  }

  *values(): IterableIterator<RowRecord> {
    for (const [, record] of this.entries()) yield record;
  }

  [Symbol.iterator](): IterableIterator<[number, RowRecord]> {
    return this.entries();
  }

  /** Grows the arrays to hold `row`. */
  private reserve(row: number): void {
    if (row < this.status.length) return;
    let length = this.status.length;
    while (length <= row) length *= 2;
    const status = new Uint8Array(Math.min(length, DENSE_LIMIT));
    status.set(this.status);
    this.status = status;
    const attempts = new Uint32Array(status.length);
    attempts.set(this.attempts);
    this.attempts = attempts;
  }
}
