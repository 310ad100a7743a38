import { describe, expect, it } from '@jest/globals';
import { isLoopbackUrl } from '../../src/commands/options.js';

describe('isLoopbackUrl: where a shorter interval and plain http are allowed', () => {
  it.each([
    ['http://127.0.0.1:8080', true],
    ['http://127.9.9.9', true],
    ['http://localhost:3000/x', true],
    ['http://api.localhost', true],
    ['http://[::1]:9000', true],
    ['https://api.cryptocloud.plus', false],
    ['http://127.0.0.1.example.com', false],
    ['http://10.0.0.1', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });
});
