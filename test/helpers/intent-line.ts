/**
 * The length of the intent line the send loop writes for a row, with its wall and monotonic times
 * (their digits do not change within a test), and a checkpoint header that leaves a given room
 * in the tmpfs page: for full-disk tests that leave exactly that much room.
 */
import type { JournalHeader } from '../../src/journal/entries.js';
import type { RowToSend } from '../../src/pay/send-loop.js';
import { recordedMs, systemClock } from '../../src/schedule/clock.js';
import { PAGE } from './tmpfs.js';

/** A header whose line leaves `room` bytes of the tmpfs page free after it. */
export function headerLeaving(room: number): JournalHeader {
  const bare: JournalHeader = {
    type: 'header',
    version: 1,
    input: { sha256: '0'.repeat(64), bytes: 0, name: '' },
    createdAt: '',
  };
  const length = Buffer.byteLength(`${JSON.stringify(bare)}\n`);
  return { ...bare, input: { ...bare.input, name: 'x'.repeat(PAGE - room - length) } };
}

export function intentLength(row: RowToSend): number {
  const { currencyCode, toAddress, amount } = row.payout;
  const now = systemClock.now();
  const entry = {
    type: 'intent',
    row: row.rowNumber,
    attempt: 1,
    at: now.wallMs,
    currency_code: currencyCode,
    to_address: toAddress,
    amount,
    boot: now.boot,
    atMono: recordedMs(now.monoMs),
  };
  return Buffer.byteLength(`${JSON.stringify(entry)}\n`);
}
