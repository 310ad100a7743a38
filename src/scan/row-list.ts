/**
 * A growing list of row numbers in ascending order, 4 bytes a row: what pass 1 of a run found to
 * send, so pass 2 need not validate the rows it will not send (a resume of a long payroll has
 * only a few left).
 *
 * Stage scan/: may import output, ledger, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
export class AscendingRows {
  private items = new Uint32Array(1024);
  private count = 0;

  /** Appends a row number; it must be greater than the last one (rows are read in order). */
  push(rowNumber: number): void {
    if (!Number.isInteger(rowNumber) || rowNumber < 1 || rowNumber > 0xffffffff)
      throw new RangeError(`not a row number: ${rowNumber}`);
    if (this.count > 0 && rowNumber <= (this.items[this.count - 1] ?? 0)) {
      throw new RangeError(`row ${rowNumber} does not follow row ${this.items[this.count - 1] ?? 0}`);
    }
    if (this.count === this.items.length) {
      const bigger = new Uint32Array(this.items.length * 2);
      bigger.set(this.items);
      this.items = bigger;
    }
    this.items[this.count] = rowNumber;
    this.count += 1;
  }

  get size(): number {
    return this.count;
  }

  /** The row number at `index` (0-based), or undefined past the end. */
  at(index: number): number | undefined {
    return index < this.count ? this.items[index] : undefined;
  }

  /** Whether any row from `first` to `last` (both included) is in the list (binary search). */
  anyBetween(first: number, last: number): boolean {
    let low = 0;
    let high = this.count;
    // The first index whose row is >= first.
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.items[mid] ?? 0) < first) low = mid + 1;
      else high = mid;
    }
    return low < this.count && (this.items[low] ?? 0) <= last;
  }

  /** Whether `rowNumber` is in the list (binary search). */
  has(rowNumber: number): boolean {
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const value = this.items[mid] ?? 0;
      if (value === rowNumber) return true;
      if (value < rowNumber) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  }
}
