/**
 * Keeps the API key out of every text we produce. A server (or a proxy) may echo request
 * headers in an error body, and Node's own errors quote invalid header values verbatim.
 */
import type { Outcome } from '../core/types.js';

/** What replaces the key wherever it would have appeared. */
export const REDACTED = '[redacted]';

/** A function that removes every spelling of `secret` a message could carry. */
export type Redactor = (text: string) => string;

/**
 * Builds a redactor for one key. Besides the key as is, it removes the spellings the key takes
 * inside a JSON string and inside a URL, so an echo in either form is caught too.
 */
export function createRedactor(secret: string): Redactor {
  if (secret === '') return (text) => text;
  const spellings = [...new Set([JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), secret])]
    // Longest first, so a shorter spelling never leaves the tail of a longer one behind.
    .sort((a, b) => b.length - a.length);
  return (text) => spellings.reduce((acc, spelling) => acc.split(spelling).join(REDACTED), text);
}

/** The outcome with every text field passed through `redact`. */
export function redactOutcome(outcome: Outcome, redact: Redactor): Outcome {
  switch (outcome.kind) {
    case 'accepted':
      return { kind: 'accepted', invoiceId: redact(outcome.invoiceId) };
    case 'rejected':
      return { kind: 'rejected', code: redact(outcome.code), message: redact(outcome.message) };
    default:
      return { kind: outcome.kind, message: redact(outcome.message) };
  }
}
