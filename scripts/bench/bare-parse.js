// The baseline of `npm run bench`: one bare csv-parse streaming pass over a file, records as
// arrays (not `columns: true`), iterated the way the product iterates (for await). Prints the count.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { parse } from 'csv-parse';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node scripts/bench/bare-parse.js FILE.csv\n');
  process.exit(2);
}
const parser = parse();
pipeline(createReadStream(file), parser, (error) => {
  if (error) process.exitCode = 1;
});
let records = 0;
for await (const record of parser) records += record.length > 0 ? 1 : 0;
process.stdout.write(`${records}\n`);
