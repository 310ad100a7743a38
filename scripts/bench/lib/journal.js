/**
 * A checkpoint journal written directly, line for line as the run's JournalWriter writes it
 * (src/journal/entries.ts; key order as the send loop and the run command build the entries):
 * a header binding it to the input, then an intent and an `accepted` outcome per paid row.
 */
import { closeSync, createReadStream, createWriteStream, openSync, unlinkSync, writeSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** The journal format version the built code expects (JOURNAL_VERSION). */
async function journalVersion(distDir) {
  const { JOURNAL_VERSION } = await import(new URL('journal/entries.js', distDir).href);
  return JOURNAL_VERSION;
}

/**
 * Collects the lines of paid rows into `bodyPath` while the payroll is generated; `finish` then
 * writes `path` as the header plus that body. Rows after `paidRows` are left pending.
 */
export function createJournalBuilder({ bodyPath, paidRows, spacingMs = 12_000, endAt = Date.now() - 3_600_000 }) {
  const fd = openSync(bodyPath, 'w');
  const firstAt = endAt - paidRows * spacingMs;
  let parts = [];
  let size = 0;
  const flush = () => {
    const buf = Buffer.from(parts.join(''), 'utf8');
    let written = 0;
    while (written < buf.length) written += writeSync(fd, buf, written);
    parts = [];
    size = 0;
  };
  return {
    onRow(row, f) {
      if (row > paidRows) return;
      const at = firstAt + (row - 1) * spacingMs;
      const invoiceId = `INV-${row.toString(36).toUpperCase().padStart(8, '0')}`;
      const intent = `{"type":"intent","row":${row},"attempt":1,"at":${at},"currency_code":"${f.code}","to_address":"${f.address}","amount":"${f.amount}"}\n`;
      const outcome = `{"type":"outcome","row":${row},"attempt":1,"startedAt":${at + 2},"endedAt":${at + 180},"outcome":{"kind":"accepted","invoiceId":"${invoiceId}"}}\n`;
      parts.push(intent, outcome);
      size += 2;
      if (size >= 16384) flush();
    },
    /** Writes the journal at `path` for the input `name` with the given digest; returns its size in bytes. */
    async finish(path, distDir, input) {
      flush();
      closeSync(fd);
      const header = {
        type: 'header',
        version: await journalVersion(distDir),
        input: { sha256: input.sha256, bytes: input.bytes, name: input.name },
        createdAt: new Date(firstAt - 60_000).toISOString(),
      };
      const out = createWriteStream(path, { mode: 0o600 });
      out.write(`${JSON.stringify(header)}\n`);
      await pipeline(createReadStream(bodyPath, { highWaterMark: 1 << 20 }), out);
      unlinkSync(bodyPath);
    },
  };
}
