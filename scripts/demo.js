// `npm run demo`: pays fixtures/demo.csv end to end on the in-process sandbox, in a fresh
// folder each time (so a second demo pays again instead of resuming a finished checkpoint).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtBinPath } from '../dist/core/tool-info.js';
import { childEnv, commandLine, escapesAllowed } from './demo-style.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'payout-demo-'));
const input = join(dir, 'demo.csv');
copyFileSync(join(root, 'fixtures', 'demo.csv'), input);

const cli = builtBinPath();
// The demo keeps its payment history in its own folder: never the user's (sandbox payments are
// not recorded anyway, but a dry run reads the history).
const escapes = escapesAllowed({ isTTY: process.stdout.isTTY, env: process.env });
const env = childEnv({ ...process.env, PAYOUT_STATE_DIR: join(dir, 'state') }, escapes);
const say = (text) => process.stdout.write(commandLine(text, escapes));
// The pace of the paid run: 2 s by default, so the progress can be watched; tests shorten it.
const interval = process.env.PAYOUT_DEMO_INTERVAL_MS ?? '2000';

say(`payout run ${input} --dry-run`);
spawnSync(process.execPath, [cli, 'run', input, '--dry-run'], { stdio: 'inherit', env });

const args = ['run', input, '--sandbox', '--interval', interval, '--margin', '100', '--yes'];
say(`payout ${args.join(' ')}`);
const paid = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env });

say(`payout status ${input}`);
spawnSync(process.execPath, [cli, 'status', input], { stdio: 'inherit', env });

say(`cat ${join(dir, 'demo.results.csv')}`);
process.stdout.write(readFileSync(join(dir, 'demo.results.csv'), 'utf8'));
process.exitCode = paid.status ?? 1;
