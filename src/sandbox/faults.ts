/**
 * Injectable misbehaviour. A fault replaces the normal handling of one create request (after
 * the auth check): tests use them to drive the client into every outcome, and crash tests use
 * the `after` variants to make money move while the client learns nothing.
 */
import { z } from 'zod';
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
  | { kind: 'no_id' };

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
        throw new TypeError(`Fault #${index + 1} ${JSON.stringify(fault)} is not valid: ${z.prettifyError(result.error)}`);
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
