/**
 * The one redactor: keeps the API key out of every text we produce. A server (or a proxy) may
 * echo request headers in an error body, Node's own errors quote header values verbatim, and a
 * key pasted into a URL comes back as the URL parser wrote it. The echo need not be the key as
 * typed: inside a JSON string a character may be escaped (`\/`, `\"`, `\u0041`), inside a URL
 * percent-encoded (`%2F`, `%2f`, twice: `%252F`), in HTML an entity (`&#47;`), in a host name in
 * small letters, a header echoed as a blob is base64 (of the key as typed or in small letters), a
 * debugging dump is hex or `\xHH` escapes. Every such spelling is caught, in any
 * mix, character by character; a key cut in half can no longer be recognised, so every text is
 * redacted before anything shortens it.
 *
 * Stage api/: may import journal, csv, validate, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import type { Outcome } from '../core/types.js';

/** What replaces the key wherever it would have appeared. */
export const REDACTED = '[redacted]';

/** A function that removes every spelling of the secrets a message could carry. */
export type Redactor = (text: string) => string;

/**
 * A base64 core shorter than this could turn up by chance in ordinary text (it is matched
 * without regard to case, like everything else); a real API key gives a core far longer.
 */
const MIN_BASE64_CORE = 16;

/**
 * Builds a redactor for one key or several. Empty secrets are ignored; with none left, the text
 * is returned as it is.
 */
export function createRedactor(secrets: string | readonly string[]): Redactor {
  const list = [...new Set(typeof secrets === 'string' ? [secrets] : secrets)].filter((s) => s !== '');
  if (list.length === 0) return (text) => text;
  // Longest first, so a secret that contains another is removed whole, not around the shorter one.
  const alternatives = list
    .sort((a, b) => b.length - a.length)
    .flatMap((secret) => [
      spelledAnyWay(secret),
      ...[...new Set([...base64Cores(secret), ...base64Cores(secret.toLowerCase())])].map(escapeRegExp),
    ]);
  const pattern = new RegExp(alternatives.join('|'), 'gi');
  return (text) => text.replace(pattern, REDACTED);
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

/** A pattern for the secret with each character in any of the spellings it can take. */
function spelledAnyWay(secret: string): string {
  return [...secret].map((char) => `(?:${spellingsOf(char).join('|')})`).join('');
}

function spellingsOf(char: string): string[] {
  const codePoint = char.codePointAt(0) ?? 0;
  const utf8 = [...new TextEncoder().encode(char)].map(hex2);
  const utf16 = [...char].flatMap((c) =>
    Array.from({ length: c.length }, (_, i) => c.charCodeAt(i).toString(16).padStart(4, '0')),
  );
  const spellings = [
    // JSON: any character as \uXXXX (a surrogate pair as two), and the three escaped by name.
    utf16.map((unit) => `\\\\u${unit}`).join(''),
    ...(char === '/' || char === '"' || char === '\\' ? [`\\\\${escapeRegExp(char)}`] : []),
    // URL: each UTF-8 byte as %XX, or %25XX when the URL was encoded twice; a space as +.
    utf8.map((byte) => `%${byte}`).join(''),
    utf8.map((byte) => `%25${byte}`).join(''),
    ...(char === ' ' ? ['\\+'] : []),
    // HTML: a numeric character reference, decimal or hex, with or without leading zeros.
    `&#0*${codePoint};`,
    `&#x0*${codePoint.toString(16)};`,
    // A dump in hex (the key's UTF-8 bytes, any case), and the escapes of JavaScript, Python and C.
    utf8.join(''),
    utf8.map((byte) => `\\\\x${byte}`).join(''),
    `\\\\u\\{0*${codePoint.toString(16)}\\}`,
  ];
  // The first alternative that matches is taken. The character as it is comes first, so that a
  // copy of the key that ends where another begins stays two copies (`…3` + `3…` is also the hex
  // `33`); but the three characters whose escapes begin with themselves (`\\` of `\`, `%25` of `%`,
  // `&#38;` of `&`) come after them, or a key ending in one would leave the rest of its escape.
  const literal = escapeRegExp(char);
  return char === '\\' || char === '%' || char === '&' ? [...spellings, literal] : [literal, ...spellings];
}

/**
 * The key as it reads inside a base64 text, at each of the three byte offsets it can start at:
 * only the characters made of the key's bits alone (those mixed with a neighbour's vary).
 * Both alphabets (standard and URL-safe).
 */
function base64Cores(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    const text = Buffer.from(padded).toString('base64');
    const core = text.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    if (core.length >= MIN_BASE64_CORE) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(cores)];
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
