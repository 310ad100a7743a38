/**
 * The tool's name and version, from package.json: the one reader of it, for `--version` and for
 * the manifest. From src, dist/<stage> and dist/bundle alike, package.json is two folders up
 * (yargs' own lookup starts from its main file, which a bundle moves, so it is not used).
 *
 * Stage core/: imports no other stage of src/.
 */
import { readFileSync } from 'node:fs';

let tool: { name: string; version: string } | undefined;

/** Name and version, read once; `payout` and `unknown` where package.json cannot be read. */
export function toolInfo(): { name: string; version: string } {
  if (!tool) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      tool = {
        name: typeof pkg.name === 'string' ? pkg.name : 'payout',
        version: typeof pkg.version === 'string' ? pkg.version : 'unknown',
      };
    } catch {
      tool = { name: 'payout', version: 'unknown' };
    }
  }
  return tool;
}
