// Part of `npm run bench`: the built loadJournal alone on a checkpoint, in its own process (so its
// peak RSS is the replayed state's). Prints JSON: { ms, rows, heapUsedMb }.
const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node scripts/bench/load-journal.js CHECKPOINT.jsonl\n');
  process.exit(2);
}
const { loadJournal } = await import(new URL('../../dist/journal/file.js', import.meta.url).href);
const start = performance.now();
const loaded = await loadJournal(path);
const ms = performance.now() - start;
const rows = loaded?.state?.rows?.size ?? 0;
process.stdout.write(`${JSON.stringify({ ms, rows, heapUsedMb: process.memoryUsage().heapUsed / 1048576 })}\n`);
