import { describe, expect, it } from '@jest/globals';
import { isUtf8 } from 'node:buffer';
import { completeUtf8Length, countLineBreaks, firstInvalidUtf8, lineBreaksIn } from '../../src/csv/bytes.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('firstInvalidUtf8', () => {
  it.each([
    ['ASCII', Buffer.from('abc,1\n'), -1],
    ['2-, 3- and 4-byte characters', Buffer.from('é€🚀'), -1],
    ['a Windows-1252 é', bytes(0x61, 0xe9, 0x62), 1],
    ['a lone continuation byte', bytes(0x61, 0x80), 1],
    ['an overlong /', bytes(0xc0, 0xaf), 0],
    ['an overlong 3-byte form', bytes(0xe0, 0x80, 0xaf), 0],
    ['a UTF-16 surrogate', bytes(0xed, 0xa0, 0x80), 0],
    ['above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a truncated character at the end', bytes(0x61, 0xe2, 0x82), 1],
    ['a broken continuation', bytes(0xe2, 0x28, 0xa1), 0],
  ])('%s', (_name, input, expected) => {
    expect(firstInvalidUtf8(input)).toBe(expected);
    // Agrees with node's validator, which the reader uses on the fast path.
    expect(expected === -1).toBe(isUtf8(input));
  });
});

describe('completeUtf8Length', () => {
  it.each([
    ['ASCII', Buffer.from('ab'), 2],
    ['a whole é', Buffer.from('aé'), 3],
    ['the first byte of é', bytes(0x61, 0xc3), 1],
    ['two bytes of €', bytes(0x61, 0xe2, 0x82), 1],
    ['three bytes of 🚀', bytes(0x61, 0xf0, 0x9f, 0x9a), 1],
    ['a whole 🚀', Buffer.from('a🚀'), 5],
    ['an invalid byte is left for the validator', bytes(0x61, 0xff), 2],
  ])('%s', (_name, input, expected) => {
    expect(completeUtf8Length(input)).toBe(expected);
  });
});

describe('line breaks', () => {
  it.each([
    ['', 0],
    ['no break', 0],
    ['a\nb', 1],
    ['a\r\nb', 1],
    ['a\rb', 1],
    ['a\r\n\r\nb\n', 3],
    ['\n\r', 2],
  ])('%j has %d', (text, expected) => {
    expect(lineBreaksIn(text)).toBe(expected);
    expect(countLineBreaks(Buffer.from(text)).breaks).toBe(expected);
  });

  it('counts a CRLF split across two chunks once', () => {
    const first = countLineBreaks(Buffer.from('a\r'));
    expect(countLineBreaks(Buffer.from('\nb\n'), first).breaks).toBe(2);
  });
});
