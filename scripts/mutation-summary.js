// Reads StrykerJS's JSON reports (`npm run mutate` writes reports/mutation/mutation.json) and
// prints, per mutated file and in all, the mutants killed, timed out, survived and not covered,
// and the score the README gives: (killed + timeout) / (killed + timeout + survived + no coverage).
// Mutants that do not compile are not counted, as Stryker does not count them.
//   node scripts/mutation-summary.js [report.json | folder of reports ...] [-v]
// A folder is read whole (one report per file mutated, when files were mutated one run each);
// -v lists every survivor with its line, mutator, replacement and the source line it changed.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const verbose = args.includes('-v');
const paths = args.filter((arg) => arg !== '-v');
if (paths.length === 0) paths.push('reports/mutation/mutation.json');

const reports = paths.flatMap((path) =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map((name) => join(path, name))
    : [path],
);

const counted = ['Killed', 'Timeout', 'Survived', 'NoCoverage'];
const score = (c) => {
  const valid = counted.reduce((sum, status) => sum + c[status], 0);
  return valid === 0 ? 'n/a' : `${((100 * (c.Killed + c.Timeout)) / valid).toFixed(1)} %`;
};
const empty = () => ({ Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, other: 0 });
const line = (name, c) =>
  `${name.padEnd(30)} killed ${String(c.Killed).padStart(4)}  timeout ${String(c.Timeout).padStart(3)}  ` +
  `survived ${String(c.Survived).padStart(3)}  no cov ${String(c.NoCoverage).padStart(3)}  ` +
  `compile errors ${String(c.CompileError).padStart(4)}  score ${score(c)}` +
  (c.other > 0 ? `  (${c.other} of another status, not counted)` : '');

const total = empty();
const survivors = [];
for (const report of reports) {
  const { files } = JSON.parse(readFileSync(report, 'utf8'));
  for (const [name, file] of Object.entries(files)) {
    const c = empty();
    const source = file.source.split('\n');
    for (const mutant of file.mutants) {
      if (mutant.status in c) c[mutant.status] += 1;
      else c.other += 1;
      if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
        const { line: at, column } = mutant.location.start;
        survivors.push(
          `${name}:${at}:${column} ${mutant.status} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement)}\n` +
            `    ${source[at - 1].trim()}`,
        );
      }
    }
    for (const status of Object.keys(c)) total[status] += c[status];
    console.log(line(name, c));
  }
}
console.log(line('all', total));
if (verbose) console.log(survivors.join('\n'));
