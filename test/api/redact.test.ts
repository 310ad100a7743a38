import { describe, expect, it } from '@jest/globals';
import { REDACTED, createRedactor, redactOutcome } from '../../src/api/redact.js';

describe('createRedactor', () => {
  it.each<[string, string, string]>([
    ['as is', 'k3y-SECRET', 'echo: Token k3y-SECRET end'],
    ['twice', 'k3y-SECRET', 'k3y-SECRET and k3y-SECRET'],
    ['JSON-escaped', 'ab"c\\d', 'header was "Token ab\\"c\\\\d"'],
    ['URL-encoded', 'a/b+c=', 'GET /x?key=a%2Fb%2Bc%3D'],
    ['with regex characters', 'a.*b(c)', 'key a.*b(c) here'],
  ])('removes the key %s', (_how, key, text) => {
    const redacted = createRedactor(key)(text);
    expect(redacted).toContain(REDACTED);
    expect(redacted).not.toContain(key);
    expect(redacted).not.toContain(JSON.stringify(key).slice(1, -1));
    expect(redacted).not.toContain(encodeURIComponent(key));
  });

  it('leaves text without the key alone', () => {
    expect(createRedactor('secret-key')(`rejected (network): bad`)).toBe('rejected (network): bad');
  });

  it('redacts every text field of an outcome', () => {
    const redact = createRedactor('s3cr3t');
    expect(redactOutcome({ kind: 'rejected', code: 'network', message: 'Token s3cr3t' }, redact)).toEqual({
      kind: 'rejected',
      code: 'network',
      message: `Token ${REDACTED}`,
    });
    expect(redactOutcome({ kind: 'unknown', message: 's3cr3t' }, redact)).toEqual({ kind: 'unknown', message: REDACTED });
  });
});
