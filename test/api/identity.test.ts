import { describe, expect, it } from '@jest/globals';
import { apiIdentity, apiScope } from '../../src/api/identity.js';

describe('apiIdentity', () => {
  it.each([
    ['the bare origin', 'https://api.cryptocloud.plus', 'https://api.cryptocloud.plus'],
    ['a trailing slash', 'https://api.cryptocloud.plus/', 'https://api.cryptocloud.plus'],
    ['a path kept, its trailing slashes removed', 'https://h.example/api/v2///', 'https://h.example/api/v2'],
    ['a path without a trailing slash', 'https://h.example/api/v2', 'https://h.example/api/v2'],
    ['a port kept', 'http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['the default port dropped', 'https://h.example:443/api', 'https://h.example/api'],
    ['the host in small letters', 'https://API.CryptoCloud.Plus/Api', 'https://api.cryptocloud.plus/Api'],
    ['user and password removed', 'https://user:s3cr3tpass@h.example/api/', 'https://h.example/api'],
    ['a user alone removed', 'https://token@h.example', 'https://h.example'],
    ['the query dropped', 'https://h.example/api?key=abcdef', 'https://h.example/api'],
    ['the fragment dropped', 'https://h.example/api/#key=abcdef', 'https://h.example/api'],
    ['query and fragment after a trailing slash', 'https://h.example/?a=1#b', 'https://h.example'],
  ])('%s', (_name, url, identity) => {
    expect(apiIdentity(url)).toBe(identity);
  });

  it('gives two spellings of one API one identity', () => {
    expect(apiIdentity('https://h.example/api/')).toBe(apiIdentity('https://h.example/api'));
    expect(apiIdentity('https://H.example:443/api')).toBe(apiIdentity('https://h.example/api?x=1'));
  });

  it('keeps two APIs apart', () => {
    expect(apiIdentity('https://h.example/a')).not.toBe(apiIdentity('https://h.example/b'));
    expect(apiIdentity('http://h.example')).not.toBe(apiIdentity('https://h.example'));
    expect(apiIdentity('http://127.0.0.1:8080')).not.toBe(apiIdentity('http://127.0.0.1:8081'));
  });

  it('says a text that is no URL is not one, leaving the text out', () => {
    expect(apiIdentity('not a url with key abcdef')).toBe('(not a URL)');
    expect(apiIdentity('')).toBe('(not a URL)');
  });

  it('redacts every occurrence of a known secret in what it keeps', () => {
    const key = 'eyJhbGciOiJIUzI1NiJ9.secret';
    expect(apiIdentity(`https://h.example/${key}/v2/${key}`, [key])).toBe('https://h.example/[redacted]/v2/[redacted]');
    expect(apiIdentity(`https://h.example/${key}`, ['other-secret', key])).toBe('https://h.example/[redacted]');
  });

  it('redacts nothing without secrets, and ignores secrets too short to be one', () => {
    expect(apiIdentity('https://h.example/abc/def', [])).toBe('https://h.example/abc/def');
    expect(apiIdentity('https://h.example/abc/def', ['abc', ''])).toBe('https://h.example/abc/def');
    expect(apiIdentity('https://h.example/abcd/def', ['abcd'])).toBe('https://h.example/[redacted]/def');
  });

  it('never keeps a secret given in the userinfo or query, whether or not it is named', () => {
    const key = 'k3y-k3y-k3y';
    for (const url of [
      `https://${key}@h.example/api`,
      `https://u:${key}@h.example/api`,
      `https://h.example/api?api_key=${key}`,
      `https://h.example/api#${key}`,
    ]) {
      expect(apiIdentity(url)).not.toContain(key);
      expect(apiIdentity(url, [key])).toBe('https://h.example/api');
    }
  });
});

describe('a secret the URL parser rewrote', () => {
  it.each([
    ['escaped by the parser', 'https://h.example/ab cd/x', 'ab cd'],
    ['in the host, written in small letters', 'https://KEYPART.example/x', 'KEYPART'],
    ['escaped with small hex digits', 'https://h.example/a%c3%a9bc', 'aébc'],
  ])('%s is still redacted', (_name, url, secret) => {
    const identity = apiIdentity(url, [secret]);
    expect(identity).toContain('[redacted]');
    expect(identity.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(identity.toLowerCase()).not.toContain(encodeURIComponent(secret).toLowerCase());
  });
});

describe('one identity for one API', () => {
  it.each([
    ['localhost', 'http://localhost:8080/', 'http://127.0.0.1:8080'],
    ['another loopback address', 'http://127.1.2.3:8080', 'http://127.0.0.1:8080'],
    ['the IPv6 loopback', 'http://[::1]:8080/x/', 'http://127.0.0.1:8080/x'],
    ['a trailing dot', 'https://api.cryptocloud.plus./', 'https://api.cryptocloud.plus'],
  ])('%s', (_name, url, identity) => {
    expect(apiIdentity(url)).toBe(identity);
  });

  it('scopes every non-loopback API together, and each loopback one apart', () => {
    expect(apiScope('https://api.cryptocloud.plus')).toBe(apiScope('https://203.0.113.7/v2'));
    expect(apiScope('http://127.0.0.1:8080')).not.toBe(apiScope('http://127.0.0.1:8081'));
    expect(apiScope('http://127.0.0.1:8080')).not.toBe(apiScope('https://api.cryptocloud.plus'));
  });
});
