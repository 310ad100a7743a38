// Part of `npm run bench`: the cost of the built validateRow per row, after prepareValidation(),
// on 100k rows of each address kind. Run as its own process so nothing else shares its heap.
// Prints one JSON object: { kind: µs per row } (the median of several passes after a warm-up).
import { createAddressMaker } from './lib/payroll.js';

const ROWS = Number(process.argv[2] ?? 100_000);
const PASSES = 5;
const { prepareValidation, validateRow } = await import(new URL('../../dist/validate/index.js', import.meta.url).href);
await prepareValidation();

const maker = await createAddressMaker();
const sets = {
  evm_eip55: Array.from({ length: ROWS }, (_, i) => ({
    currency_code: 'USDT_ERC20',
    to_address: maker.evm(i + 1),
    amount: '125.5',
  })),
  tron: Array.from({ length: ROWS }, (_, i) => ({
    currency_code: 'USDT_TRC20',
    to_address: maker.tron(i + 1),
    amount: '125.5',
  })),
  evm_lowercase: Array.from({ length: ROWS }, (_, i) => ({
    currency_code: 'USDT_ERC20',
    to_address: maker.evmLower(i + 1),
    amount: '125.5',
  })),
};

/** One pass over a set; returns µs per row. Throws if any row is not valid (the bench must measure the valid path). */
function pass(rows) {
  let ok = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i++) if (validateRow(rows[i]).ok) ok += 1;
  const ns = Number(process.hrtime.bigint() - start);
  if (ok !== rows.length) throw new Error(`only ${ok} of ${rows.length} generated rows were valid`);
  return ns / 1000 / rows.length;
}

const times = Object.fromEntries(Object.keys(sets).map((kind) => [kind, []]));
for (const rows of Object.values(sets)) pass(rows); // warm-up: JIT, WASM
for (let p = 0; p < PASSES; p++) for (const [kind, rows] of Object.entries(sets)) times[kind].push(pass(rows));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
process.stdout.write(
  `${JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)])))}\n`,
);
