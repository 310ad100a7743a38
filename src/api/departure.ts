/**
 * When a request left for the API: the moment its headers were written to the socket, as the
 * HTTP client inside `fetch` (undici) reports it on its diagnostics channels. That moment comes
 * after the name lookup, the connection and the TLS handshake, so a slow connection no longer eats
 * the pacing margin; and a request whose headers were never written cannot have reached the API,
 * whatever the error says.
 *
 * Each request carries an id header of its own and is matched by it, so two requests in flight at
 * once never take each other's times.
 *
 * Stage api/: may import journal, csv, validate, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { randomUUID } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';

/** The header that names a request, for matching undici's events to it. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** undici published the request: from here on, its absence from the next channel means "not written". */
const CREATED = 'undici:request:create';
/** undici is writing the request's headers to a connected socket. */
const HEADERS_WRITTEN = 'undici:client:sendHeaders';

/** What is known about one request's departure. */
export interface Departure {
  /** The value of its id header. */
  readonly id: string;
  /**
   * Whether its bytes were written: true or false when the client saw the request, undefined when
   * it did not (another `fetch`, a changed runtime): then nothing can be concluded either way.
   */
  written(): boolean | undefined;
  /** `Date.now()` when its headers were written; undefined when they were not (or not seen). */
  writtenAt(): number | undefined;
  /** Stops watching, once the exchange is over. */
  end(): void;
}

interface Watched {
  seen: boolean;
  writtenAt?: number;
}

const watched = new Map<string, Watched>();
let listening = false;

/** Starts watching a new request; send `id` in {@link REQUEST_ID_HEADER} and call `end()` after. */
export function watchDeparture(): Departure {
  listen();
  const id = randomUUID();
  const state: Watched = { seen: false };
  watched.set(id, state);
  return {
    id,
    written: () => (state.seen ? state.writtenAt !== undefined : undefined),
    writtenAt: () => state.writtenAt,
    end: () => void watched.delete(id),
  };
}

function listen(): void {
  if (listening) return;
  listening = true;
  subscribe(CREATED, (message) => {
    const state = watchedOf(message);
    if (state) state.seen = true;
  });
  subscribe(HEADERS_WRITTEN, (message) => {
    const state = watchedOf(message);
    // The first write is the one that counts: the request left then.
    if (state && state.writtenAt === undefined) state.writtenAt = Date.now();
  });
}

/** The watched request an event is about, by its id header; undefined for any other request. */
function watchedOf(message: unknown): Watched | undefined {
  const headers = (message as { request?: { headers?: unknown } } | undefined)?.request?.headers;
  const id = headerValue(headers, REQUEST_ID_HEADER);
  return id === undefined ? undefined : watched.get(id);
}

/**
 * One header's value from undici's request: a flat `[name, value, …]` list in the versions Node 20
 * bundles, a `name: value\r\n…` text in older ones.
 */
function headerValue(headers: unknown, name: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const key: unknown = headers[i];
      const value: unknown = headers[i + 1];
      if (typeof key === 'string' && key.toLowerCase() === name && typeof value === 'string') return value;
    }
    return undefined;
  }
  if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
    }
  }
  return undefined;
}
