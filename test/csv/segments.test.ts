/**
 * Segments cut where records end: parsed one by one, they give exactly the records of one parse
 * of the whole file, whatever the quotes, line breaks and chunk sizes.
 */
import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { expectBe, expectEqual } from '../helpers/agree.js';
import { lastRecordEnd, SegmentCutter } from '../../src/csv/segments.js';

const parseOptions = {
  record_delimiter: ['\r\n', '\n', '\r'],
  relax_column_count: true,
  skip_empty_lines: false,
  bom: false,
};

function cutAll(bytes: Buffer, chunkBytes: number, targetBytes: number): Buffer[] {
  const cutter = new SegmentCutter(targetBytes);
  const segments: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    const segment = cutter.take(Buffer.from(bytes.subarray(at, at + chunkBytes)));
    if (segment) segments.push(segment);
  }
  segments.push(cutter.end());
  return segments;
}

describe('SegmentCutter', () => {
  const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\r', '\n', ' ', 'é'), maxLength: 6 });
  const records = fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 });
  const breaks = fc.constantFrom('\n', '\r\n', '\r');

  it('cuts a file into segments that parse, one by one, to the records of the whole file', () => {
    fc.assert(
      fc.property(
        records,
        breaks,
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 200 }),
        fc.boolean(),
        (rows, lineBreak, chunk, target, trailing) => {
          let text = stringify(rows, { record_delimiter: lineBreak, quote_record_delimiter: true, eof: trailing });
          if (text === '') text = 'x';
          const bytes = Buffer.from(text, 'utf8');
          const segments = cutAll(bytes, chunk, target);
          expectBe(Buffer.concat(segments).equals(bytes), true);
          const whole = parse(bytes, parseOptions);
          const pieces = segments.filter((s) => s.length > 0).flatMap((s) => parse(s, parseOptions));
          expectEqual(pieces, whole);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never cuts inside quotes, nor between the two halves of CRLF', () => {
    expect(lastRecordEnd(Buffer.from('a,"b\nc'), false)).toEqual({ cut: -1, odd: true });
    expect(lastRecordEnd(Buffer.from('x"\nb,c\n'), true)).toEqual({ cut: 7, odd: false });
    expect(lastRecordEnd(Buffer.from('a\nb\r'), false)).toEqual({ cut: 2, odd: false });
    expect(lastRecordEnd(Buffer.from('a\rb\rc'), false)).toEqual({ cut: 4, odd: false });
    expect(lastRecordEnd(Buffer.from('abc'), false)).toEqual({ cut: -1, odd: false });
  });

  it('returns segments that own their memory (posting one to the worker copies only it)', () => {
    const cutter = new SegmentCutter(1);
    const segment = cutter.take(Buffer.from('a,b\nc,d\n'));
    expect(segment?.toString()).toBe('a,b\nc,d\n');
    expect(segment?.byteOffset).toBe(0);
    expect(segment?.buffer.byteLength).toBe(segment?.length);
  });
});
