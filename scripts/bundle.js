// The second half of `npm run build`: joins tsc's output in dist/ into the `payout` bin,
// dist/bundle/payout.js, with esbuild. The code is tsc's, unchanged; only the files are joined.
// Why: Node loads some 300 files for one run (zod, winston and yargs are most of them), which cost
// more CPU than the run itself; the bundled bin starts in about 40 % less CPU (README, "Development").
// The scan worker is an entry of its own, scan-worker.js beside the bin, where segment-worker
// looks for it; the commands loaded on demand stay chunks loaded on demand. dist/bundle is two
// folders below the package, as dist/<stage> is, so package.json is found the same way.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

// Chunk names carry a hash, so a new build would leave the old ones beside it: start empty.
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: {
    payout: join(root, 'dist', 'cli', 'main.js'),
    'scan-worker': join(root, 'dist', 'scan', 'scan-worker.js'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The CommonJS dependencies (winston, yargs' helpers) call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __payoutRequire } from 'node:module'; const require = __payoutRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
