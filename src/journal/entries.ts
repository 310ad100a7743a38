/**
 * The lines of the checkpoint journal (JSON Lines, append-only). Every line is validated on
 * replay: a journal is money's memory, so a line we cannot read is refused, never guessed at.
 *
 * Stage journal/: may import csv, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import * as z from 'zod';

/** Bumped when a line's meaning changes; a journal of another version is refused. */
export const JOURNAL_VERSION = 1;

const outcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('accepted'), invoiceId: z.string() }),
  z.object({ kind: z.literal('rejected'), code: z.string(), message: z.string() }),
  z.object({ kind: z.literal('rate_limited'), message: z.string() }),
  z.object({ kind: z.literal('auth_failed'), message: z.string() }),
  z.object({ kind: z.literal('never_sent'), message: z.string() }),
  z.object({ kind: z.literal('unknown'), message: z.string() }),
]);

const rowNumber = z.number().int().positive();
const epochMs = z.number().int().nonnegative();
/**
 * A moment on the monotonic clock of the boot `boot` (ms since that boot): what measures the gap
 * across a restart, whatever the wall clock did. Absent in journals of earlier versions.
 */
const monoMs = z.number().int().nonnegative().optional();
const boot = z.string().optional();

/** First line: which input (by the SHA-256 of its exact bytes) this journal belongs to. */
export const headerSchema = z.object({
  type: z.literal('header'),
  version: z.literal(JOURNAL_VERSION),
  input: z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
    name: z.string(),
  }),
  createdAt: z.string(),
  /** The checkpoint's own id, which its requests carry in the machine's outbox (older checkpoints have none). */
  id: z.string().optional(),
  /** How the input was read: which header column gave each required field, and the decimal comma. A resume must read it the same way. */
  reading: z
    .object({
      columns: z.object({ currency_code: z.string(), to_address: z.string(), amount: z.string() }),
      decimalComma: z.boolean(),
    })
    .optional(),
  /** The API its requests go to (its identity, or "sandbox" for the in-process emulator): its paid rows were paid there only. */
  api: z.string().optional(),
});

/** The id a checkpoint's requests carry in the outbox; a checkpoint without one is named by its input and creation time. */
export function checkpointIdOf(header: {
  id?: string | undefined;
  input: { sha256: string };
  createdAt: string;
}): string {
  return header.id ?? `${header.input.sha256}@${header.createdAt}`;
}

/** Written and fsynced before a request leaves: from here on, the row may be paid. */
export const intentSchema = z.object({
  type: z.literal('intent'),
  row: rowNumber,
  attempt: z.number().int().positive(),
  at: epochMs,
  currency_code: z.string(),
  to_address: z.string(),
  amount: z.string(),
  boot,
  atMono: monoMs,
});

/** What the request came to, with when it started and when its outcome became known. */
export const outcomeEntrySchema = z.object({
  type: z.literal('outcome'),
  row: rowNumber,
  attempt: z.number().int().positive(),
  startedAt: epochMs,
  endedAt: epochMs,
  outcome: outcomeSchema,
  boot,
  startedMono: monoMs,
  endedMono: monoMs,
});

/** The operator settled an unknown row after checking the dashboard (`payout resolve`). */
export const resolveSchema = z.object({
  type: z.literal('resolve'),
  row: rowNumber,
  at: epochMs,
  invoiceId: z.string().nullable(),
});

/**
 * An API request that moves no money (the balance query), journaled only for its timing: the
 * gap between any two requests must hold across a restart too. Written (fsynced) with `at`
 * alone before the request leaves, then again with its start and end once it is over.
 */
export const requestSchema = z.object({
  type: z.literal('request'),
  what: z.literal('balance'),
  at: epochMs,
  startedAt: epochMs.optional(),
  endedAt: epochMs.optional(),
  boot,
  atMono: monoMs,
  startedMono: monoMs,
  endedMono: monoMs,
});

export const entrySchema = z.discriminatedUnion('type', [
  headerSchema,
  intentSchema,
  outcomeEntrySchema,
  resolveSchema,
  requestSchema,
]);

export type JournalHeader = z.infer<typeof headerSchema>;
export type IntentEntry = z.infer<typeof intentSchema>;
export type OutcomeEntry = z.infer<typeof outcomeEntrySchema>;
export type ResolveEntry = z.infer<typeof resolveSchema>;
export type RequestEntry = z.infer<typeof requestSchema>;
export type JournalEntry = z.infer<typeof entrySchema>;

/** Which of the two common lines `CommonLineReader.read` found; undefined for any other line. */
export type CommonLine = 'intent' | 'accepted' | undefined;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE = 0x7d;
const ZERO = 0x30;
const NINE = 0x39;

/** A fixed part of a line (ASCII, at least 4 bytes), also as little-endian 32-bit words to compare four bytes at a time. */
interface Literal {
  length: number;
  /** Word i holds bytes 4i to 4i+3. */
  words: Int32Array;
  /** The last four bytes, when the length is not a multiple of four. */
  last: number;
}

function ascii(text: string): Literal {
  const bytes = Buffer.from(text, 'latin1');
  const words = new Int32Array(bytes.length >> 2);
  for (let i = 0; i < words.length; i++) words[i] = bytes.readInt32LE(4 * i);
  return { length: bytes.length, words, last: bytes.readInt32LE(bytes.length - 4) };
}

const INTENT_ROW = ascii('{"type":"intent","row":');
const OUTCOME_ROW = ascii('{"type":"outcome","row":');
const ATTEMPT = ascii(',"attempt":');
const AT = ascii(',"at":');
const CURRENCY_CODE = ascii(',"currency_code":"');
const TO_ADDRESS = ascii('","to_address":"');
const AMOUNT = ascii('","amount":"');
const STARTED_AT = ascii(',"startedAt":');
const ENDED_AT = ascii(',"endedAt":');
const ACCEPTED_INVOICE_ID = ascii(',"outcome":{"kind":"accepted","invoiceId":"');
const BOOT_AFTER_AMOUNT = ascii('","boot":"');
const BOOT_AFTER_OUTCOME = ascii('"},"boot":"');
const AT_MONO = ascii('","atMono":');
const STARTED_MONO = ascii('","startedMono":');
const ENDED_MONO = ascii(',"endedMono":');

/**
 * Reads the two lines a run writes for every row (an intent, then an `accepted` outcome) straight
 * from the journal's bytes, without decoding the line, JSON.parse or zod, which cost most of a
 * resume's replay of a long journal. It answers only for a line exactly as JSON.stringify writes
 * it (keys in the writer's order, no space, integers without sign, fraction, exponent or leading
 * zero and within 2^53, strings of printable ASCII without escapes), which `entrySchema` accepts
 * with the same values; anything else, however close, is undefined, and the caller reads
 * it with JSON.parse and the schema, which refuse a damaged line as they always did.
 *
 * One reader serves a whole replay: `read` leaves the line's numbers in its fields and where its
 * strings lie, so a common line costs no object; only the strings that are needed get decoded.
 */
export class CommonLineReader {
  /** The row, and the attempt of its request. */
  row = 0;
  attempt = 0;
  /** Intent: when it was written. Outcome: when the request started. */
  at = 0;
  /** Outcome: when its answer came. */
  endedAt = 0;
  /**
   * The same moments on the monotonic clock of the boot `boot` (intent: `mono` alone; outcome:
   * `mono` and `endedMono`), or `boot` undefined for a line of an earlier version, without them.
   */
  boot: string | undefined = undefined;
  mono = 0;
  endedMono = 0;
  private bytes: Buffer = Buffer.alloc(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private pos = 0;
  private end = 0;
  /** Start and end offsets of the line's strings: currency_code, to_address, amount (intent); invoiceId (outcome); the boot. */
  private readonly strings = [0, 0, 0, 0, 0, 0, 0, 0];
  /** The boot id last decoded: every line of a run carries the same one, decoded once. */
  private lastBoot = '';

  /** Reads the line `bytes[start, end)` (without its newline). */
  read(bytes: Buffer, start: number, end: number): CommonLine {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    this.pos = start;
    this.end = end;
    if (this.literal(INTENT_ROW)) {
      return this.rowAndAttempt() &&
        this.literal(AT) &&
        (this.at = this.integer()) >= 0 &&
        this.literal(CURRENCY_CODE) &&
        this.string(0) &&
        this.literal(TO_ADDRESS) &&
        this.string(1) &&
        this.literal(AMOUNT) &&
        this.string(2) &&
        this.intentEnd()
        ? 'intent'
        : undefined;
    }
    if (this.literal(OUTCOME_ROW)) {
      return this.rowAndAttempt() &&
        this.literal(STARTED_AT) &&
        (this.at = this.integer()) >= 0 &&
        this.literal(ENDED_AT) &&
        (this.endedAt = this.integer()) >= 0 &&
        this.literal(ACCEPTED_INVOICE_ID) &&
        this.string(0) &&
        this.outcomeEnd()
        ? 'accepted'
        : undefined;
    }
    return undefined;
  }

  /** The value of the `index`th string of the line last read (ASCII, so each byte is its character). */
  text(index: number): string {
    const start = this.strings[2 * index] ?? 0;
    const end = this.strings[2 * index + 1] ?? 0;
    return this.bytes.toString('latin1', start, end);
  }

  /** After an intent's amount: `"}`, or the boot and the monotonic time (`","boot":"…","atMono":N}`). */
  private intentEnd(): boolean {
    const { bytes, end } = this;
    this.boot = undefined;
    if (this.pos + 2 === end) return bytes[this.pos] === QUOTE && bytes[this.pos + 1] === CLOSE;
    return (
      this.literal(BOOT_AFTER_AMOUNT) &&
      this.string(3) &&
      this.literal(AT_MONO) &&
      (this.mono = this.integer()) >= 0 &&
      this.closes() &&
      this.decodeBoot()
    );
  }

  /** After an accepted outcome's id: `"}}`, or the boot and the monotonic times (`"},"boot":"…","startedMono":N,"endedMono":N}`). */
  private outcomeEnd(): boolean {
    const { bytes, end } = this;
    this.boot = undefined;
    if (this.pos + 3 === end)
      return bytes[this.pos] === QUOTE && bytes[this.pos + 1] === CLOSE && bytes[this.pos + 2] === CLOSE;
    return (
      this.literal(BOOT_AFTER_OUTCOME) &&
      this.string(3) &&
      this.literal(STARTED_MONO) &&
      (this.mono = this.integer()) >= 0 &&
      this.literal(ENDED_MONO) &&
      (this.endedMono = this.integer()) >= 0 &&
      this.closes() &&
      this.decodeBoot()
    );
  }

  /** The line ends with its closing brace. */
  private closes(): boolean {
    return this.pos + 1 === this.end && this.bytes[this.pos] === CLOSE;
  }

  /** Sets `boot` from the 4th string, reusing the last decoded one when its bytes are the same. */
  private decodeBoot(): true {
    const start = this.strings[6] ?? 0;
    const end = this.strings[7] ?? 0;
    const last = this.lastBoot;
    if (end - start !== last.length || this.bytes.toString('latin1', start, end) !== last)
      this.lastBoot = this.bytes.toString('latin1', start, end);
    this.boot = this.lastBoot;
    return true;
  }

  /** `row` and `attempt`, both positive as the schema wants them. */
  private rowAndAttempt(): boolean {
    return (this.row = this.integer()) > 0 && this.literal(ATTEMPT) && (this.attempt = this.integer()) > 0;
  }

  private literal(expected: Literal): boolean {
    const { view, pos } = this;
    const { length, words } = expected;
    if (pos + length > this.end) return false;
    for (let i = 0; i < words.length; i++) if (view.getInt32(pos + 4 * i, true) !== words[i]) return false;
    if ((length & 3) !== 0 && view.getInt32(pos + length - 4, true) !== expected.last) return false;
    this.pos = pos + length;
    return true;
  }

  /**
   * A JSON integer without sign, fraction, exponent or leading zero, or -1. Digits past 2^53 give
   * -1 too: the sum may round there, but never below 2^53, so an unsafe integer never passes.
   */
  private integer(): number {
    const { bytes, end } = this;
    let pos = this.pos;
    const first = pos < end ? (bytes[pos] ?? 0) : 0;
    if (first < ZERO || first > NINE) return -1;
    let value = first - ZERO;
    pos += 1;
    if (value !== 0) {
      for (let digit = bytes[pos] ?? 0; pos < end && digit >= ZERO && digit <= NINE; digit = bytes[pos] ?? 0) {
        value = value * 10 + (digit - ZERO);
        pos += 1;
      }
      if (value > Number.MAX_SAFE_INTEGER) return -1;
    }
    // A digit after a leading zero is left for the next literal, which refuses it.
    this.pos = pos;
    return value;
  }

  /** A string of printable ASCII without an escape (its value is its bytes), ending at a quote. */
  private string(index: number): boolean {
    const { bytes, end } = this;
    const start = this.pos;
    let pos = start;
    for (;;) {
      if (pos >= end) return false;
      const byte = bytes[pos] ?? 0;
      if (byte === QUOTE) break;
      // A control character (refused by JSON), an escape or anything beyond ASCII: the slow path decides.
      if (byte < 0x20 || byte === BACKSLASH || byte > 0x7e) return false;
      pos += 1;
    }
    this.strings[2 * index] = start;
    this.strings[2 * index + 1] = pos;
    this.pos = pos;
    return true;
  }
}

const textReader = new CommonLineReader();

/**
 * `CommonLineReader` on a line of text, returning the entry it reads (what JSON.parse and
 * `entrySchema` return for that line), or undefined for any other line: the form in which tests
 * hold the reader to the schema. The replay itself reads the bytes and builds no entry.
 */
export function parseCommonLine(text: string): IntentEntry | OutcomeEntry | undefined {
  const bytes = Buffer.from(text, 'utf8');
  const r = textReader;
  switch (r.read(bytes, 0, bytes.length)) {
    case 'intent':
      return {
        type: 'intent',
        row: r.row,
        attempt: r.attempt,
        at: r.at,
        currency_code: r.text(0),
        to_address: r.text(1),
        amount: r.text(2),
        ...(r.boot !== undefined && { boot: r.boot, atMono: r.mono }),
      };
    case 'accepted':
      return {
        type: 'outcome',
        row: r.row,
        attempt: r.attempt,
        startedAt: r.at,
        endedAt: r.endedAt,
        outcome: { kind: 'accepted', invoiceId: r.text(0) },
        ...(r.boot !== undefined && { boot: r.boot, startedMono: r.mono, endedMono: r.endedMono }),
      };
    case undefined:
      return undefined;
  }
}
