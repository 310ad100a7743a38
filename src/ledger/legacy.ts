/**
 * What earlier versions kept in the state directory, read so that an upgrade loses no
 * protection: `history.jsonl` (one line per paid or unknown row) and `last-request.json` (the
 * last request per API). Neither is written any more: the outbox replaces both.
 *
 * Stage ledger/: may import output, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestTimes } from '../core/types.js';
import { apiIdentity, apiScope } from '../api/identity.js';
import type { PaymentIndex } from './payment-index.js';

const HISTORY_FILE = 'history.jsonl';
const CLOCK_FILE = 'last-request.json';

interface LegacyEntry {
  v: 1;
  at: string;
  currency: string;
  address: string;
  amount: string;
  invoiceId: string;
  input: string;
  sha256: string;
  checkpoint: string;
  baseUrl: string;
}

/** Adds the old history's payments through `api` and its last request time to `index`. */
export function importLegacy(dir: string, api: string, index: PaymentIndex): { unreadable: number } {
  let unreadable = 0;
  let text = '';
  try {
    text = readFileSync(join(dir, HISTORY_FILE), 'utf8');
  } catch {
    // No old history: nothing to import.
  }
  // Every line stands alone: a torn line (a crash mid-append) never swallows the next one.
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseEntry(line);
    if (!entry) {
      unreadable += 1;
      continue;
    }
    if (apiScope(apiIdentity(entry.baseUrl)) !== apiScope(api)) continue;
    index.addLegacy({
      api,
      // The same id a checkpoint of that version has (see checkpointIdOf): its own payments stay its own.
      ckpt: `${entry.sha256}@${entry.checkpoint}`,
      input: entry.input,
      row: 0,
      attempt: 1,
      at: Date.parse(entry.at),
      currency: entry.currency,
      address: entry.address,
      amount: entry.amount,
      state: entry.invoiceId ? 'paid' : 'unknown',
    });
  }
  const times = readClock(dir, api);
  if (times) index.seedLast(api, times);
  return { unreadable };
}

function parseEntry(line: string): LegacyEntry | undefined {
  // A torn line can end inside a later whole one ("{...torn{...whole}"): the whole one is read.
  const start = line.lastIndexOf('{"v":1,');
  try {
    const entry = JSON.parse(start > 0 ? line.slice(start) : line) as Partial<LegacyEntry>;
    const strings = [
      'at',
      'currency',
      'address',
      'amount',
      'invoiceId',
      'input',
      'sha256',
      'checkpoint',
      'baseUrl',
    ] as const;
    if (
      entry.v !== 1 ||
      !strings.every((key) => typeof entry[key] === 'string') ||
      Number.isNaN(Date.parse(entry.at ?? ''))
    )
      return undefined;
    return entry as LegacyEntry;
  } catch {
    return undefined;
  }
}

function readClock(dir: string, api: string): RequestTimes | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, CLOCK_FILE), 'utf8')) as {
      v?: number;
      requests?: Record<string, RequestTimes>;
    };
    if (parsed.v !== 1 || !parsed.requests) return undefined;
    // Keyed by the URL as that version spelled it (a path kept its trailing slash): compared as identities.
    const times = Object.entries(parsed.requests).find(([url]) => apiScope(apiIdentity(url)) === apiScope(api))?.[1];
    if (!times || typeof times.intentAt !== 'number') return undefined;
    // That version kept wall times only: whatever else the file holds is not read as a monotonic time.
    const { intentAt, startedAt, endedAt } = times;
    return {
      intentAt,
      ...(typeof startedAt === 'number' && { startedAt }),
      ...(typeof endedAt === 'number' && { endedAt }),
    };
  } catch {
    return undefined;
  }
}
