/**
 * Where a key leaked, if it did: every spelling a leak could take (as typed, JSON-escaped,
 * URL-encoded, hex, base64 at each offset, either half), searched without regard to case in the
 * texts a run printed and in every file under the folders it wrote in.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The key in every spelling a leak could take, lower-cased. */
export function leakFormsOf(key: string): string[] {
  const forms = [
    key,
    JSON.stringify(key).slice(1, -1),
    key.replace(/\//g, '\\/'),
    encodeURIComponent(key),
    Buffer.from(key).toString('hex'),
  ];
  // The key's base64 at each of the three offsets it can start at: the characters made of its bits alone.
  for (let offset = 0; offset < 3; offset += 1) {
    const text = Buffer.from(`${'x'.repeat(offset)}${key}`).toString('base64');
    forms.push(text.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + key.length) * 8) / 6)));
  }
  // Half the key is already a leak.
  forms.push(key.slice(0, Math.ceil(key.length / 2)), key.slice(Math.floor(key.length / 2)));
  return [...new Set(forms.map((form) => form.toLowerCase()))];
}

/** Every file under `path` (or `path` itself when it is a file). */
export function filesUnder(path: string): string[] {
  return statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => filesUnder(join(path, name))) : [path];
}

/** Where each leak was found, as `where: form`; empty when the key is nowhere. */
export function keyLeaks(
  key: string,
  {
    texts = {},
    dirs = [],
    skip = () => false,
  }: {
    texts?: Record<string, string>;
    dirs?: string[];
    /** Files not written by the run under test (the sandbox's own ledger). */
    skip?: (file: string) => boolean;
  },
): string[] {
  const sources: Array<[string, string]> = [
    ...Object.entries(texts),
    ...dirs
      .flatMap(filesUnder)
      .filter((file) => !skip(file))
      .map((file): [string, string] => [file, readFileSync(file, 'utf8')]),
  ];
  const forms = leakFormsOf(key);
  return sources.flatMap(([where, text]) =>
    forms.filter((form) => text.toLowerCase().includes(form)).map((form) => `${where}: ${form}`),
  );
}
