// Where the built `payout` bin is: package.json's "bin" says it, and the scripts read it there
// (the demo, the chaos run, the bench; the tests' helper and the walkthrough read it the same way).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The absolute path of the built bin (dist/bundle/payout.js today). */
export const binPath = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.payout);
