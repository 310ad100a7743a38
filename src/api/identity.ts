/**
 * The API's identity: the one spelling of a base URL that every record and message uses, so two
 * spellings of one API (`https://h/api/` and `https://h/api`) share one clock and one outbox.
 */

/**
 * A base URL fit for a record: origin and path without trailing slashes; no user, password,
 * query or fragment (a key pasted into the URL by mistake must not end up in a file), and any
 * known secret replaced.
 */
export function apiIdentity(url: string, secrets: readonly string[] = []): string {
  let text: string;
  try {
    const parsed = new URL(url);
    // `origin` leaves out the user and password; the path stays, the query and fragment do not.
    text = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    text = '(not a URL)';
  }
  for (const secret of secrets.filter((s) => s.length >= 4)) {
    // As the URL parser may have written it: escaped, and with the host in small letters.
    const forms = [...new Set([secret, encodeURI(secret), encodeURIComponent(secret)])].sort((a, b) => b.length - a.length);
    text = text.replace(new RegExp(forms.map(escapeRegExp).join('|'), 'gi'), '[redacted]');
  }
  return text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
