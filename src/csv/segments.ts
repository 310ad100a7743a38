/**
 * Cuts a CSV file's bytes, as they are read, into segments that each end where a record ends, so
 * that every segment can be parsed on its own (by a fresh parser, on another thread) and give the
 * same records as one parse of the whole file. Pure: no I/O.
 *
 * Where a record ends: after a line break that is outside quotes. A quote is outside a quoted
 * field only as its opening or closing quote, and inside one only doubled (`""`); so, in a file
 * the parser accepts, a byte is inside quotes exactly when an odd number of `"` bytes come
 * before it. (A file the parser refuses is refused whatever the cut: the caller reads such a
 * file again in one piece to word the error.)
 *
 * Stage csv/: may import journal, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */

const QUOTE = 0x22;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Splits chunks into segments ending after a line feed outside quotes; see the module comment. */
export class SegmentCutter {
  /** The bytes after the last cut, not yet in a segment. */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** Whether the carried bytes hold an odd number of quotes (then the end of the carry is inside a quoted field). */
  private carryOdd = false;

  constructor(
    /**
     * A segment is cut at the first record end once this many bytes are waiting. The segment then
     * ends at the last record end in the chunk, so a segment is at most this plus a chunk.
     */
    private readonly targetBytes: number,
  ) {}

  /** Bytes taken but not yet returned in a segment. */
  get pending(): number {
    return this.carryBytes;
  }

  /**
   * Takes the next chunk; returns a segment (a new buffer that owns its memory) when enough bytes
   * are waiting and the chunk holds a record end.
   */
  take(chunk: Buffer): Buffer | undefined {
    const { cut, odd } = lastRecordEnd(chunk, this.carryOdd);
    if (cut === -1 || this.carryBytes + cut < this.targetBytes) {
      this.keep(chunk, odd);
      return undefined;
    }
    const segment = this.join(chunk.subarray(0, cut));
    this.carry = [];
    this.carryBytes = 0;
    // The cut is outside quotes: the rest's parity is the chunk end's parity.
    this.keep(chunk.subarray(cut), odd);
    return segment;
  }

  /** The last segment: whatever is left at the end of the file (maybe empty). */
  end(): Buffer {
    const segment = this.join(Buffer.alloc(0));
    this.carry = [];
    this.carryBytes = 0;
    this.carryOdd = false;
    return segment;
  }

  private keep(bytes: Buffer, odd: boolean): void {
    if (bytes.length > 0) {
      // Copied: the reader's chunk may share memory that must not move to another thread.
      this.carry.push(Buffer.from(bytes));
      this.carryBytes += bytes.length;
    }
    this.carryOdd = odd;
  }

  private join(tail: Buffer): Buffer {
    // allocUnsafeSlow: never a slice of the shared pool, so posting it to the worker copies only it.
    const segment = Buffer.allocUnsafeSlow(this.carryBytes + tail.length);
    let at = 0;
    for (const part of this.carry) at += part.copy(segment, at);
    tail.copy(segment, at);
    return segment;
  }
}

/**
 * Cuts bytes into segments of given lengths, whatever the chunks they come in: the cuts an
 * earlier pass made (SegmentCutter's, recorded), so that a later pass gets the very same
 * segments even when the file system returns reads of other sizes. What follows the last
 * length is one more segment, at the end.
 */
export class FixedCutter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private next = 0;

  constructor(private readonly lengths: readonly number[]) {}

  /** Takes the next chunk; returns the segments it completes (new buffers), maybe none. */
  take(chunk: Buffer): Buffer[] {
    const segments: Buffer[] = [];
    let rest = chunk;
    for (;;) {
      const length = this.lengths[this.next];
      if (length === undefined || this.carryBytes + rest.length < length) break;
      const take = length - this.carryBytes;
      const segment = Buffer.allocUnsafeSlow(length);
      let at = 0;
      for (const part of this.carry) at += part.copy(segment, at);
      rest.copy(segment, at, 0, take);
      segments.push(segment);
      this.carry = [];
      this.carryBytes = 0;
      this.next += 1;
      rest = rest.subarray(take);
    }
    if (rest.length > 0) {
      this.carry.push(Buffer.from(rest));
      this.carryBytes += rest.length;
    }
    return segments;
  }

  get pending(): number {
    return this.carryBytes;
  }

  /** Whatever is left at the end of the file (maybe empty). */
  end(): Buffer {
    const segment = Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    return segment;
  }
}

/**
 * The offset just after the last record end in `chunk` that is outside quotes (-1 when there is
 * none), given whether the chunk starts inside quotes (`startOdd`); and whether it ends inside
 * quotes. A record ends after a line feed, or after a carriage return that no line feed follows
 * (the parser takes `\r\n`, `\n` and `\r`); a carriage return at the very end of the chunk may
 * be the first half of `\r\n`, so it is no cut yet.
 */
export function lastRecordEnd(chunk: Uint8Array, startOdd: boolean): { cut: number; odd: boolean } {
  const last = chunk.length - 1;
  const isCut = (i: number): boolean => {
    const byte = chunk[i];
    return byte === LINE_FEED || (byte === CARRIAGE_RETURN && i < last && chunk[i + 1] !== LINE_FEED);
  };
  // The common file has no quote at all: native scans from the end answer.
  if (chunk.indexOf(QUOTE) === -1) {
    if (startOdd) return { cut: -1, odd: true };
    const feed = chunk.lastIndexOf(LINE_FEED);
    let ret = chunk.lastIndexOf(CARRIAGE_RETURN);
    while (ret > feed && !isCut(ret)) ret = ret === 0 ? -1 : chunk.lastIndexOf(CARRIAGE_RETURN, ret - 1);
    const end = Math.max(feed, ret);
    return { cut: end === -1 ? -1 : end + 1, odd: false };
  }
  let odd = startOdd;
  let cut = -1;
  for (let i = 0; i <= last; i++) {
    const byte = chunk[i];
    if (byte === QUOTE) odd = !odd;
    else if (!odd && (byte === LINE_FEED || byte === CARRIAGE_RETURN) && isCut(i)) cut = i + 1;
  }
  return { cut, odd };
}
