/**
 * Sees every chunk of the file before the CSV parser does: hashes the exact bytes and refuses
 * what is not text: a NUL byte, or bytes that are not UTF-8. csv-parse would otherwise decode
 * bad bytes into U+FFFD and pay a row whose address nobody typed.
 *
 * Stage csv/: may import journal, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { completeUtf8Length, firstInvalidUtf8 } from './bytes.js';

/** The file is not text at `offset`; the reader adds the line and the file name. */
export class ByteProblem extends Error {
  constructor(
    readonly kind: 'nul' | 'utf8',
    /** Byte offset in the file (a BOM counts). */
    readonly offset: number,
    /** The offending byte, when there is one (an incomplete character at the end has none to show). */
    readonly byte: number | undefined,
  ) {
    super(`${kind === 'nul' ? 'NUL byte' : 'invalid UTF-8'} at byte ${offset}`);
    this.name = 'ByteProblem';
  }
}

/**
 * Hashes and checks the chunks given to it, in order; call `end()` after the last one, then
 * `digest()`. A plain object, not a stream: the reader calls it once per chunk (no per-chunk
 * stream machinery on a million-row file).
 */
export class ByteGuard {
  /** Absent when the caller hashes the bytes itself (by segment: read.ts openSegments). */
  private readonly hash: Hash | undefined;

  constructor(options: { hash?: boolean } = {}) {
    this.hash = options.hash === false ? undefined : createHash('sha256');
  }

  private bytes = 0;
  /** The start of a character split by the chunk boundary, checked with the next chunk. */
  private carry: Buffer | undefined;
  private result: { sha256: string; bytes: number } | undefined;

  /** Takes the next chunk of the file; throws ByteProblem at the first byte that is not text. */
  take(chunk: Buffer): void {
    const start = this.bytes;
    this.hash?.update(chunk);
    this.bytes += chunk.length;

    const nul = chunk.indexOf(0);
    if (nul !== -1) throw new ByteProblem('nul', start + nul, 0);
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const dataStart = start - (this.carry?.length ?? 0);
    const complete = completeUtf8Length(data);
    const whole = data.subarray(0, complete);
    if (!isUtf8(whole)) {
      const at = firstInvalidUtf8(whole);
      throw new ByteProblem('utf8', dataStart + Math.max(at, 0), whole[Math.max(at, 0)]);
    }
    // Copied: the chunk's memory belongs to the stream and may be reused.
    this.carry = complete < data.length ? Buffer.from(data.subarray(complete)) : undefined;
  }

  /** The file ended; throws ByteProblem when it ended inside a character. */
  end(): void {
    if (this.carry) throw new ByteProblem('utf8', this.bytes - this.carry.length, this.carry[0]);
    this.result = { sha256: this.hash?.digest('hex') ?? '', bytes: this.bytes };
  }

  /** The SHA-256 (hex) and size of every byte taken; only after `end()` succeeded. */
  digest(): { sha256: string; bytes: number } {
    if (!this.result) throw new Error('the file has not been read to its end yet');
    return this.result;
  }
}
