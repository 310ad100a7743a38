/**
 * The API's identity: the one spelling of a base URL that every record and message uses, so two
 * spellings of one API (`https://h/api/` and `https://h/api`) share one clock and one outbox.
 *
 * Stage api/: may import journal, csv, validate, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { isLoopbackHost } from '../core/api-vocabulary.js';
import { createRedactor } from './redact.js';

/**
 * A base URL fit for a record: origin and path without trailing slashes; no user, password,
 * query or fragment (a key pasted into the URL by mistake must not end up in a file), and any
 * known secret replaced.
 */
export function apiIdentity(url: string, secrets: readonly string[] = []): string {
  let text: string;
  try {
    const parsed = new URL(url);
    // One spelling of one host: no trailing dot, and every loopback name is 127.0.0.1.
    const host = parsed.hostname.replace(/\.$/, '');
    parsed.hostname = isLoopbackHost(host) ? '127.0.0.1' : host;
    // `origin` leaves out the user and password; the path stays, the query and fragment do not.
    text = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    text = '(not a URL)';
  }
  // The one redactor also knows the spellings the URL parser gives a secret: escaped, and in a
  // host name in small letters.
  return createRedactor(secrets.filter((s) => s.length >= 4))(text);
}

/**
 * What shares one history of payments and one gap: a loopback API (an emulator) is its own, and
 * every other API is one, since the same service can be reached under many names (a host name,
 * its address, a CNAME) that no spelling rule can tell apart. Paying two real APIs at once only
 * costs some waiting; treating one API as two could pay twice.
 */
export function apiScope(identity: string): string {
  return /^https?:\/\/127\.0\.0\.1(:\d+)?(\/|$)/.test(identity) ? identity : 'remote';
}
