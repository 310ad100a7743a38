/**
 * Injectable misbehaviour. A fault replaces the normal handling of one create request (after
 * the auth check): tests use them to drive the client into every outcome, and crash tests use
 * the `after` variants to make money move while the client learns nothing.
 *
 * Stage sandbox/: may import journal, csv, validate, api, schedule, core (.dependency-cruiser.cjs).
 */
import * as z from 'zod';
import { REJECT_KEYS, type RejectKey } from '../core/api-vocabulary.js';

export { REJECT_KEYS, type RejectKey };

/** `before`: nothing is processed; `after`: the withdrawal is created first (money moves). */
export type FaultWhen = 'before' | 'after';

/** One injected fault; see the sandbox README section in index.ts for the exact behaviour. */
export type Fault =
  /** HTTP 429 with a throttling `detail`; not processed. */
  | { kind: 'rate_limit_429' }
  /** HTTP 400 `{"status":"error","result":{"rate_limit":…}}`; not processed. */
  | { kind: 'rate_limit_body' }
  /** HTTP 400 `{"status":"error","result":{key:…}}`; not processed. */
  | { kind: 'reject'; key: RejectKey }
  /** HTTP 401 `{"detail":"Invalid token."}` although the key is right; not processed. */
  | { kind: 'auth' }
  /** The socket is destroyed without an answer. */
  | { kind: 'drop'; when: FaultWhen }
  /** No answer ever; the socket stays open until the client gives up or the sandbox closes. */
  | { kind: 'hang'; when: FaultWhen }
  /** An HTML error page with this 5xx status (default 502). */
  | { kind: 'http_5xx'; status?: number; when: FaultWhen }
  /** Processed; HTTP 200 with a success body cut in half. */
  | { kind: 'broken_json' }
  /** Processed; HTTP 200 `{"status":"success"}` body without any id. */
  | { kind: 'no_id' }
  /**
   * HTTP 400 `validate_error` whose message echoes the request's Authorization header, as some
   * APIs and proxies do, spelled one way (inside the JSON text), after `pad` characters of other
   * text (past any cut of a message); not processed.
   */
  | { kind: 'echo_key'; spelling: EchoSpelling; pad?: number };

/** How an echoed key is spelled in the answer's JSON text. */
export const ECHO_SPELLINGS = ['raw', 'json_escaped', 'url_encoded', 'hex', 'base64'] as const;
export type EchoSpelling = (typeof ECHO_SPELLINGS)[number];

const when = z.enum(['before', 'after']);

/** Validates a fault from outside (the control endpoint, or a caller without types). */
export const faultSchema: z.ZodType<Fault> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('rate_limit_429') }),
  z.strictObject({ kind: z.literal('rate_limit_body') }),
  z.strictObject({ kind: z.literal('reject'), key: z.enum(REJECT_KEYS) }),
  z.strictObject({ kind: z.literal('auth') }),
  z.strictObject({ kind: z.literal('drop'), when }),
  z.strictObject({ kind: z.literal('hang'), when }),
  z.strictObject({ kind: z.literal('http_5xx'), status: z.number().int().min(500).max(599).optional(), when }),
  z.strictObject({ kind: z.literal('broken_json') }),
  z.strictObject({ kind: z.literal('no_id') }),
  z.strictObject({
    kind: z.literal('echo_key'),
    spelling: z.enum(ECHO_SPELLINGS),
    pad: z.number().int().min(0).max(10_000).optional(),
  }),
]);

/** The body of `POST /_sandbox/faults`. */
export const faultRequestSchema = z.strictObject({ faults: z.array(faultSchema) });

/** True when the fault creates the withdrawal before misbehaving. */
export function faultProcesses(fault: Fault): boolean {
  switch (fault.kind) {
    case 'drop':
    case 'hang':
    case 'http_5xx':
      return fault.when === 'after';
    case 'broken_json':
    case 'no_id':
      return true;
    default:
      return false;
  }
}

/** A short label for the ledger: `drop:after`, `reject:network`, `http_5xx:503:before`. */
export function faultLabel(fault: Fault): string {
  switch (fault.kind) {
    case 'reject':
      return `reject:${fault.key}`;
    case 'drop':
    case 'hang':
      return `${fault.kind}:${fault.when}`;
    case 'http_5xx':
      return `http_5xx:${fault.status ?? DEFAULT_5XX_STATUS}:${fault.when}`;
    case 'echo_key':
      return `echo_key:${fault.spelling}`;
    default:
      return fault.kind;
  }
}

/** The status of an `http_5xx` fault that names none: a gateway error, the most common in the wild. */
export const DEFAULT_5XX_STATUS = 502;

/** Faults waiting for their request, first in first out. */
export class FaultQueue {
  readonly #queue: Fault[] = [];

  /** Appends faults after validating each; throws a TypeError naming the bad one. */
  push(faults: readonly unknown[]): void {
    const checked = faults.map((fault, index) => {
      const result = faultSchema.safeParse(fault);
      if (!result.success) {
        throw new TypeError(
          `Fault #${index + 1} ${JSON.stringify(fault)} is not valid: ${z.prettifyError(result.error)}`,
        );
      }
      return result.data;
    });
    this.#queue.push(...checked);
  }

  /** The next fault, removed from the queue, or undefined when none waits. */
  take(): Fault | undefined {
    return this.#queue.shift();
  }

  /** How many faults wait. */
  get size(): number {
    return this.#queue.length;
  }
}

/**
 * The JSON text of a `validate_error` answer echoing `header` spelled as asked. A JSON-escaped
 * spelling (`\/`, `\u00XX`) reads back as the key itself once parsed; the others stay encoded.
 */
export function echoBody(header: string, spelling: EchoSpelling, pad = 0): string {
  const before = `the request was refused: ${'x'.repeat(pad)} header Authorization: `;
  const quoted = (text: string): string => JSON.stringify(text).slice(1, -1);
  let echoed: string;
  switch (spelling) {
    case 'raw':
      echoed = quoted(header);
      break;
    case 'json_escaped':
      echoed = [...header]
        .map((c, i) =>
          c === '/' ? '\\/' : i % 3 === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : quoted(c),
        )
        .join('');
      break;
    case 'url_encoded':
      echoed = encodeURIComponent(header);
      break;
    case 'hex':
      echoed = Buffer.from(header).toString('hex');
      break;
    case 'base64':
      echoed = Buffer.from(header).toString('base64');
      break;
  }
  return `{"status":"error","result":{"validate_error":"${quoted(before)}${echoed}"}}`;
}
