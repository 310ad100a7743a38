/**
 * What package.json says of the tool: the one reader of it. The name and version serve
 * `--version` and the manifest; the bin's path serves the scripts and tests that run the built
 * bin. From src, dist/<stage> and dist/bundle alike, package.json is two folders up (yargs' own
 * lookup starts from its main file, which a bundle moves, so it is not used).
 *
 * Stage core/: imports no other stage of src/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../../', import.meta.url);

interface PackageJson {
  name?: unknown;
  version?: unknown;
  bin?: { payout?: unknown };
}

let pkg: PackageJson | undefined;
let tool: { name: string; version: string } | undefined;

/** package.json, read once; empty where it cannot be read. */
function packageJson(): PackageJson {
  if (!pkg) {
    try {
      pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as PackageJson;
    } catch {
      pkg = {};
    }
  }
  return pkg;
}

/** Name and version; `payout` and `unknown` where package.json cannot say. */
export function toolInfo(): { name: string; version: string } {
  const { name, version } = packageJson();
  tool ??= {
    name: typeof name === 'string' ? name : 'payout',
    version: typeof version === 'string' ? version : 'unknown',
  };
  return tool;
}

/** The absolute path of the built bin, as package.json's "bin" names it (dist/bundle/payout.js). */
export function builtBinPath(): string {
  const bin = packageJson().bin?.payout;
  return fileURLToPath(new URL(typeof bin === 'string' ? bin : 'dist/bundle/payout.js', ROOT));
}
