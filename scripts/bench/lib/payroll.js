/**
 * Synthetic payrolls for the benchmark: unique, valid, checksummed addresses, fast to make.
 *
 * Uniqueness is by construction, not by luck: row i's address payload is 16 random bytes
 * followed by i as four big-endian bytes. Two thirds of the rows are EVM addresses in
 * EIP-55 mixed case (so every one costs the validator a keccak-256), one third Tron base58check.
 */
import { createHash, hash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { base58 } from '@scure/base';
import { createKeccak } from 'hash-wasm';

export const HEADER = 'employee_id,currency_code,to_address,amount';

const EVM_CODES = ['USDT_ERC20', 'USDC_BASE', 'ETH', 'USDT_BSC', 'DAI_ARB', 'USDC_ARB'];
const TRON_CODES = ['USDT_TRC20', 'TRX'];

/** Makes EIP-55 and Tron addresses; call `await createAddressMaker()` once, then its methods. */
export async function createAddressMaker() {
  const keccak = await createKeccak(256);
  let pool = Buffer.alloc(0);
  let used = 0;
  const tail = () => {
    if (used + 16 > pool.length) {
      pool = randomBytes(16 * 65536);
      used = 0;
    }
    used += 16;
    return pool.subarray(used - 16, used);
  };

  /** `0x` + 40 hex in EIP-55 case, from a payload that ends with `index`. */
  function evm(index) {
    const payload = Buffer.allocUnsafe(20);
    tail().copy(payload, 0);
    payload.writeUInt32BE(index >>> 0, 16);
    const lower = payload.toString('hex');
    const digest = keccak.init().update(lower).digest('binary');
    const text = Buffer.from(`0x${lower}`, 'latin1');
    for (let i = 0; i < 40; i++) {
      const byte = digest[i >> 1];
      const nibble = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
      if (nibble >= 8 && text[i + 2] >= 97) text[i + 2] -= 32;
    }
    return text.toString('latin1');
  }

  /** A Tron address (version 0x41, base58check) from a payload that ends with `index`. */
  function tron(index) {
    const bytes = Buffer.allocUnsafe(25);
    bytes[0] = 0x41;
    tail().copy(bytes, 1);
    bytes.writeUInt32BE(index >>> 0, 17);
    const check = hash('sha256', hash('sha256', bytes.subarray(0, 21), 'buffer'), 'buffer');
    check.copy(bytes, 21, 0, 4);
    return base58.encode(bytes);
  }

  /** An EVM address in all small letters (carries no checksum, so no keccak on validation). */
  function evmLower(index) {
    const payload = Buffer.allocUnsafe(20);
    tail().copy(payload, 0);
    payload.writeUInt32BE(index >>> 0, 16);
    return `0x${payload.toString('hex')}`;
  }

  return { evm, tron, evmLower };
}

/**
 * The fields of data row `row` (1-based). Amounts are already canonical (no trailing zero in the
 * fraction), so the journal's intent lines can carry them as the validator would.
 */
export function rowFields(maker, row) {
  const tronRow = row % 3 === 0;
  const code = tronRow ? TRON_CODES[row % TRON_CODES.length] : EVM_CODES[row % EVM_CODES.length];
  const address = tronRow ? maker.tron(row) : maker.evm(row);
  const cents = 1 + ((row * 37) % 98); // 1..98
  const fraction = cents % 10 === 0 ? String(cents / 10) : String(cents).padStart(2, '0');
  const amount = `${1 + ((row * 7919) % 4999)}.${fraction}`;
  return { employee: `E${String(row).padStart(7, '0')}`, code, address, amount };
}

/**
 * Writes payroll CSVs of `sizes` rows each (one pass: the smaller files are prefixes of the
 * largest). `onRow(row, fields)` sees every row of the largest file, for a journal built alongside.
 * Returns, per path, the SHA-256 and the byte size of its exact bytes.
 */
export async function writePayrolls(targets, onRow) {
  const maker = await createAddressMaker();
  const max = Math.max(...targets.map((t) => t.rows));
  const files = targets.map((t) => ({ ...t, fd: openSync(t.path, 'w'), hash: createHash('sha256'), bytes: 0 }));
  const emit = (file, text) => {
    const buf = Buffer.from(text, 'utf8');
    file.hash.update(buf);
    file.bytes += buf.length;
    let written = 0;
    while (written < buf.length) written += writeSync(file.fd, buf, written);
  };
  for (const file of files) emit(file, `${HEADER}\n`);
  const BATCH = 8192;
  let lines = [];
  let batchStart = 1;
  const flush = (lastRow) => {
    const text = `${lines.join('\n')}\n`;
    for (const file of files) {
      if (file.rows >= lastRow) emit(file, text);
      else if (file.rows >= batchStart) emit(file, `${lines.slice(0, file.rows - batchStart + 1).join('\n')}\n`);
    }
    lines = [];
    batchStart = lastRow + 1;
  };
  for (let row = 1; row <= max; row++) {
    const f = rowFields(maker, row);
    lines.push(`${f.employee},${f.code},${f.address},${f.amount}`);
    onRow?.(row, f);
    if (lines.length === BATCH) flush(row);
  }
  if (lines.length > 0) flush(max);
  const result = {};
  for (const file of files) {
    closeSync(file.fd);
    result[file.path] = { sha256: file.hash.digest('hex'), bytes: file.bytes };
  }
  return result;
}
