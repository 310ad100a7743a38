// Jest transformer: TypeScript to ESM with esbuild (a devDependency already, the bundler of the bin).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { transformSync, version } from 'esbuild';

const self = readFileSync(new URL(import.meta.url), 'utf8');

export default {
  canInstrument: false,
  getCacheKey(sourceText, sourcePath, options) {
    return createHash('sha256')
      .update(version)
      .update('\0')
      .update(self)
      .update('\0')
      .update(sourcePath)
      .update('\0')
      .update(sourceText)
      .update('\0')
      .update(String(options.supportsStaticESM))
      .update(options.configString)
      .digest('hex');
  },
  process(sourceText, sourcePath, options) {
    const { code, map } = transformSync(sourceText, {
      loader: 'ts',
      format: options.supportsStaticESM ? 'esm' : 'cjs',
      target: 'node20',
      sourcefile: sourcePath,
      sourcemap: 'external',
      tsconfigRaw: { compilerOptions: { target: 'ES2022', useDefineForClassFields: true } },
    });
    return { code, map };
  },
};
