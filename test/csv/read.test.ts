import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError, UsageError } from '../../src/core/errors.js';
import { hashFile, openPayroll } from '../../src/csv/read.js';
import { runUnprivileged } from '../helpers/unprivileged.js';
import { readAll, refusalOf, useTempDir, writeIn } from './helpers.js';

const READ_JS = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'csv', 'read.js')).href;

/**
 * How the built reader refuses `path` in a child process bound by the file permissions (root
 * reads a file of mode 000; see runUnprivileged).
 */
async function refusalAsUser(path: string): Promise<{ name: string; message: string }> {
  const script = `
    const { openPayroll } = await import(process.argv[1]);
    try {
      const payroll = await openPayroll(process.argv[2]);
      for await (const _row of payroll.rows);
      console.log(JSON.stringify({ name: 'none', message: 'read' }));
    } catch (err) {
      console.log(JSON.stringify({ name: err.name, message: err.message }));
    }`;
  return runUnprivileged(script, [READ_JS, path]);
}

const dir = useTempDir();
const file = (content: string | Uint8Array, name?: string): Promise<string> => writeIn(dir(), content, name);
const HEADER = 'currency_code,to_address,amount\n';

describe('header', () => {
  it('finds the required columns in any order, case and spacing, and keeps the names as read', async () => {
    const path = await file(' AMOUNT ,name,Currency_Code , to_address\n10,Ann,BTC,bc1q\n');
    const { payroll, rows } = await readAll(path);
    expect(payroll.header.columns).toEqual([' AMOUNT ', 'name', 'Currency_Code ', ' to_address']);
    expect(payroll.header.index).toEqual({ amount: 0, currency_code: 2, to_address: 3 });
    expect(rows.map((r) => r.fields)).toEqual([['10', 'Ann', 'BTC', 'bc1q']]);
  });

  it('uses the names given by --columns, trimmed and in any case', async () => {
    const path = await file('Coin;Wallet;Sum;amount\nBTC;bc1q;1;not the amount\n');
    const { payroll } = await readAll(path, {
      columnNames: { currency_code: ' coin', to_address: 'WALLET', amount: 'Sum' },
    });
    expect(payroll.header.index).toEqual({ currency_code: 0, to_address: 1, amount: 2 });
  });

  it('keeps the standard name for a column --columns does not rename', async () => {
    const path = await file('currency_code,Wallet,amount\nBTC,bc1q,1\n');
    const { payroll } = await readAll(path, { columnNames: { to_address: 'Wallet' } });
    expect(payroll.header.index).toEqual({ currency_code: 0, to_address: 1, amount: 2 });
  });

  it('names every missing column and shows the header found', async () => {
    const message = await refusalOf(await file('Coin,Wallet,amount\nBTC,bc1q,1\n'));
    expect(message).toMatch(
      /payroll\.csv line 1: the header is missing the columns currency_code and to_address\. The header found is: "Coin", "Wallet", "amount"/,
    );
    expect(message).toContain('--columns');
  });

  it('names a missing renamed column by the name it looked for', async () => {
    const message = await refusalOf(await file(HEADER + 'BTC,bc1q,1\n'), { columnNames: { amount: 'Sum' } });
    expect(message).toContain('missing the column "Sum" (your name for amount in --columns)');
  });

  it('refuses a required column given twice', async () => {
    const message = await refusalOf(await file('currency_code,to_address,amount, Amount\nBTC,bc1q,1,2\n'));
    expect(message).toMatch(/line 1: the header has the amount column 2 times \(columns 3, 4\)/);
  });

  it('refuses a results file fed back as input, whatever the case and spacing of its columns', async () => {
    const path = await file('currency_code,to_address,amount, Status ,INVOICE_ID,error\nBTC,bc1q,1,paid,INV-1,\n');
    const message = await refusalOf(path);
    expect(message).toContain(
      'this looks like a payout results file (it has status, invoice_id and error columns); give the original payroll',
    );
  });

  it('accepts a payroll that has only some of the result column names', async () => {
    const { payroll } = await readAll(await file('currency_code,to_address,amount,status,error\nBTC,bc1q,1,active,\n'));
    expect(payroll.header.columns).toHaveLength(5);
  });

  it('says a one-column header with tabs is a tab-separated file', async () => {
    const message = await refusalOf(await file('currency_code\tto_address\tamount\nBTC\tbc1q\t1\n'));
    expect(message).toContain('separated by tabs');
  });

  it('refuses a mapping that sends two columns to one name', async () => {
    await expect(
      openPayroll(await file(HEADER + 'a,b,c\n'), { columnNames: { amount: 'X', to_address: 'x' } }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe('format', () => {
  it('strips a BOM and records it', async () => {
    const { payroll } = await readAll(await file(`\ufeff${HEADER}BTC,bc1q,1\n`));
    expect(payroll.header).toMatchObject({
      bom: true,
      delimiter: ',',
      columns: ['currency_code', 'to_address', 'amount'],
    });
  });

  it('reads ; as the delimiter when the header uses it, keeping commas in values', async () => {
    const { payroll, rows } = await readAll(
      await file('currency_code;to_address;amount;name\nBTC;bc1q;1;"Doe; John"\nETH;0x1;2;Smith, Ann\n'),
    );
    expect(payroll.header.delimiter).toBe(';');
    expect(rows.map((r) => r.fields[3])).toEqual(['Doe; John', 'Smith, Ann']);
  });

  it('counts the delimiters of the header outside quotes only', async () => {
    const { payroll } = await readAll(await file('"a;b;c",currency_code,to_address,amount\nx,BTC,bc1q,1\n'));
    expect(payroll.header.delimiter).toBe(',');
  });

  it('reads CRLF line endings without leaving a CR in any field', async () => {
    const { payroll, rows } = await readAll(
      await file('currency_code,to_address,amount\r\nBTC,bc1q,1\r\nETH,0x1,2\r\n'),
    );
    expect(payroll.header.columns).toEqual(['currency_code', 'to_address', 'amount']);
    expect(rows.map((r) => r.fields)).toEqual([
      ['BTC', 'bc1q', '1'],
      ['ETH', '0x1', '2'],
    ]);
  });

  it('carries every field exactly as read: spaces, quotes, line breaks, non-ASCII, empty', async () => {
    const csv =
      'id,currency_code,to_address,amount,note\n' +
      '1,  BTC ,bc1q,  1.5  ,"  padded  "\n' +
      '2,ETH,0x1,2,"He said ""hi"", then left"\n' +
      '3,ETH,0x1,3,"line one\r\nline two\nline three"\n' +
      '4,ETH,0x1,4,José Müller 🚀 Олег\n' +
      '5,ETH,0x1,5,\n' +
      '6,ETH,0x1,6,""\n';
    const { rows } = await readAll(await file(csv));
    expect(rows.map((r) => r.fields)).toEqual([
      ['1', '  BTC ', 'bc1q', '  1.5  ', '  padded  '],
      ['2', 'ETH', '0x1', '2', 'He said "hi", then left'],
      ['3', 'ETH', '0x1', '3', 'line one\r\nline two\nline three'],
      ['4', 'ETH', '0x1', '4', 'José Müller 🚀 Олег'],
      ['5', 'ETH', '0x1', '5', ''],
      ['6', 'ETH', '0x1', '6', ''],
    ]);
  });

  it('never casts: numbers, dates and booleans stay text', async () => {
    const { rows } = await readAll(await file(HEADER + 'BTC,0x00,1e3\nBTC,2024-01-01,true\n'));
    expect(rows.map((r) => r.fields)).toEqual([
      ['BTC', '0x00', '1e3'],
      ['BTC', '2024-01-01', 'true'],
    ]);
  });
});

describe("a first line sep=; or sep=, (Excel's way of naming the delimiter)", () => {
  it.each([
    ['sep=;', ';', 'name;currency_code;to_address;amount\nAnn;BTC;bc1q;1,5\nBob;ETH;0x1;2\n'],
    ['sep=,', ',', 'name,currency_code,to_address,amount\nAnn,BTC,bc1q,"1,5"\nBob,ETH,0x1,2\n'],
    ['SEP=;', ';', 'name;currency_code;to_address;amount\nAnn;BTC;bc1q;1,5\nBob;ETH;0x1;2\n'],
  ])(
    '%s is taken as the delimiter, the header read from line 2 and every line numbered as in the file',
    async (sep, delimiter, rest) => {
      for (const [ending, bom] of [
        ['\n', ''],
        ['\r\n', '\ufeff'],
      ] as const) {
        const { payroll, rows } = await readAll(await file(`${bom}${sep}${ending}${rest.replace(/\n/g, ending)}`));
        expect(payroll.header).toMatchObject({
          delimiter,
          sepLine: true,
          bom: bom !== '',
          columns: ['name', 'currency_code', 'to_address', 'amount'],
        });
        expect(rows).toEqual([
          { rowNumber: 1, lineNumber: 3, fields: ['Ann', 'BTC', 'bc1q', '1,5'] },
          { rowNumber: 2, lineNumber: 4, fields: ['Bob', 'ETH', '0x1', '2'] },
        ]);
      }
    },
  );

  it('a file without one has no sep line, even when its header is sep-like', async () => {
    const { payroll } = await readAll(await file(`${HEADER}BTC,bc1q,1\n`));
    expect(payroll.header.sepLine).toBe(false);
    // "sep=;x" names no delimiter: it is the header, and it lacks the required columns.
    expect(await refusalOf(await file('sep=;x\nBTC;bc1q;1\n'))).toMatch(/payroll\.csv line 1: .*currency_code/);
  });

  it.each([
    ['sep=|', '"|"'],
    ['sep=\t', '"\\t"'],
  ])('%s is refused, naming line 1 and the delimiters payout reads', async (sep, shown) => {
    const message = await refusalOf(await file(`${sep}\ncurrency_code|to_address|amount\nBTC|bc1q|1\n`));
    expect(message).toContain(`payroll.csv line 1: the first line names ${shown} as the delimiter`);
    expect(message).toMatch(/commas or semicolons/);
  });

  it('a file of only a sep line is empty', async () => {
    expect(await refusalOf(await file('sep=;\n'))).toMatch(/the file is empty/);
  });

  it.each([
    [
      'a row of the wrong length',
      'sep=;\ncurrency_code;to_address;amount\nBTC;bc1q;1\nBTC;bc1q\n',
      /payroll\.csv line 4 \(row 2\): .*semicolon/,
    ],
    [
      'a quote that does not close',
      'sep=;\ncurrency_code;to_address;amount\nBTC;bc1q;1\nBTC;"bc1q;2\n',
      /payroll\.csv line 4 \(row 2\)/,
    ],
  ])('%s after a sep line is named by its line in the file', async (_name, text, expected) => {
    expect(await refusalOf(await file(text))).toMatch(expected);
  });
});

describe('row and line numbers', () => {
  it('counts data rows from 1 and physical lines from the top, through multi-line fields and CRLF', async () => {
    const csv =
      'currency_code,to_address,amount,note\r\n' + // line 1
      'BTC,a,1,"two\r\nlines"\r\n' + // lines 2-3
      'BTC,b,2,"three\r\n\r\nlines"\r\n' + // lines 4-6
      'BTC,c,3,one line\r\n'; // line 7
    const { rows } = await readAll(await file(csv));
    expect(rows.map((r) => [r.rowNumber, r.lineNumber])).toEqual([
      [1, 2],
      [2, 4],
      [3, 7],
    ]);
  });

  it('skips blank lines anywhere without renumbering the rows after them, and keeps counting lines', async () => {
    const csv = '\n\n' + HEADER + 'BTC,a,1\n\n\nBTC,b,2\r\n\r\nBTC,c,3\n\n\n';
    const { rows } = await readAll(await file(csv));
    expect(rows.map((r) => [r.rowNumber, r.lineNumber, r.fields[1]])).toEqual([
      [1, 4, 'a'],
      [2, 7, 'b'],
      [3, 9, 'c'],
    ]);
  });

  it('skips records whose every field is empty (Excel writes ,,, for cleared rows)', async () => {
    const csv = HEADER + 'BTC,a,1\n,,\n"","",""\nBTC,b,2\n,,\n,,\n';
    const { rows } = await readAll(await file(csv));
    expect(rows.map((r) => [r.rowNumber, r.lineNumber])).toEqual([
      [1, 2],
      [2, 5],
    ]);
  });

  it('keeps a row with some empty fields (validation judges it)', async () => {
    const { rows } = await readAll(await file(HEADER + 'BTC,,\n'));
    expect(rows[0]?.fields).toEqual(['BTC', '', '']);
  });

  it('numbers the header line after leading blank lines', async () => {
    const message = await refusalOf(await file('\r\n\r\nCoin,to_address,amount\r\nBTC,a,1\r\n'));
    expect(message).toMatch(/payroll\.csv line 3: the header is missing the column currency_code/);
  });

  it('streams a file much larger than a chunk, with characters split across chunk boundaries', async () => {
    const rowCount = 20_000;
    let csv = 'currency_code,to_address,amount,name\n';
    for (let i = 1; i <= rowCount; i++) csv += `BTC,addr${i},${i}.5,"Žofia ${'é'.repeat(i % 7)} ${i}\nsecond line"\n`;
    const path = await file(csv);
    const payroll = await openPayroll(path);
    let count = 0;
    let last = { rowNumber: 0, lineNumber: 0, fields: [] as string[] };
    for await (const row of payroll.rows) {
      count++;
      last = row;
    }
    expect(count).toBe(rowCount);
    expect(last.rowNumber).toBe(rowCount);
    expect(last.lineNumber).toBe(2 + (rowCount - 1) * 2);
    expect(last.fields[3]).toBe(`Žofia ${'é'.repeat(rowCount % 7)} ${rowCount}\nsecond line`);
    expect(payroll.digest()).toEqual({
      sha256: createHash('sha256').update(csv).digest('hex'),
      bytes: Buffer.byteLength(csv),
    });
  });
});

describe('digest', () => {
  it('is the SHA-256 and size of the exact bytes, BOM and CRLF included', async () => {
    const content = `\ufeffcurrency_code;to_address;amount\r\nBTC;a;1\r\n\r\n`;
    const path = await file(content);
    const { payroll } = await readAll(path);
    const bytes = await readFile(path);
    expect(payroll.digest()).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
    expect(await hashFile(path)).toEqual(payroll.digest());
  });

  it('is refused before the rows have all been read', async () => {
    const payroll = await openPayroll(await file(HEADER + 'BTC,a,1\nBTC,b,2\n'));
    expect(() => payroll.digest()).toThrow(/after every row/);
    for await (const row of payroll.rows) {
      expect(row.rowNumber).toBe(1);
      break;
    }
    expect(() => payroll.digest()).toThrow(/after every row/);
  });

  it('changes when a single byte changes', async () => {
    const a = await hashFile(await file(HEADER + 'BTC,a,1.0\n', 'a.csv'));
    const b = await hashFile(await file(HEADER + 'BTC,a,1.1\n', 'b.csv'));
    expect(a.bytes).toBe(b.bytes);
    expect(a.sha256).not.toBe(b.sha256);
  });

  it('hashFile refuses a missing file in plain words', async () => {
    await expect(hashFile(join(dir(), 'gone.csv'))).rejects.toThrow(/cannot find .*gone\.csv/);
  });
});

describe('rows', () => {
  it('can be iterated only once', async () => {
    const payroll = await openPayroll(await file(HEADER + 'BTC,a,1\n'));
    for await (const _ of payroll.rows) void _;
    expect(() => payroll.rows[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('close() stops reading without error, twice', async () => {
    const payroll = await openPayroll(await file(HEADER + 'BTC,a,1\nBTC,b,2\n'));
    payroll.close();
    payroll.close();
    expect(() => payroll.digest()).toThrow();
  });
});

describe('refusals', () => {
  it.each([
    ['0 bytes', ''],
    ['only whitespace', '  \r\n\t\n \n'],
    ['only a BOM', '\ufeff'],
    ['a BOM and blank lines', '\ufeff\r\n\r\n'],
  ])('an empty file (%s)', async (_name, content) => {
    expect(await refusalOf(await file(content))).toMatch(/payroll\.csv: the file is empty/);
  });

  it.each([
    ['no line break', 'currency_code,to_address,amount'],
    ['blank lines after it', HEADER + '\r\n\n\n'],
    ['rows of empty fields after it', HEADER + ',,\n,,\n'],
  ])('a header without data rows (%s)', async (_name, content) => {
    expect(await refusalOf(await file(content))).toMatch(/payroll\.csv has a header line but no data rows/);
  });

  it('a missing file', async () => {
    const path = join(dir(), 'missing.csv');
    expect(await refusalOf(path)).toBe(`cannot find ${path}`);
  });

  it('a missing file given by a relative name, showing where it was looked for', async () => {
    const message = await refusalOf('no-such-payroll.csv');
    expect(message).toBe(`cannot find no-such-payroll.csv (looked for ${join(process.cwd(), 'no-such-payroll.csv')})`);
  });

  it('a directory', async () => {
    const path = join(dir(), 'folder.csv');
    await mkdir(path);
    expect(await refusalOf(path)).toBe(`${path} is a folder, not a CSV file`);
  });

  it('a file that opens but whose bytes cannot be read (an I/O error, for root too)', async () => {
    // A regular file every user, root included, may open but not read: its offset 0 is the
    // unmapped page at address 0 of this process's memory, so read() fails with EIO.
    expect(await refusalOf('/proc/self/mem')).toMatch(/^cannot read \/proc\/self\/mem: EIO\b/);
  });

  it('a file without read permission (run in a child process that the permissions bind, even as root)', async () => {
    const path = await file(HEADER + 'BTC,a,1\n');
    await chmod(path, 0o000);
    expect(await refusalAsUser(path)).toEqual({
      name: 'InputError',
      message: `cannot read ${path}: permission denied`,
    });
  });

  it('a NUL byte, naming its line', async () => {
    const message = await refusalOf(await file(HEADER + 'BTC,a,1\nBTC,b\u0000,2\n'));
    expect(message).toMatch(/payroll\.csv line 3: the file contains a NUL byte \(at byte 45\), so it is binary/);
  });

  it('a NUL byte far beyond the first chunk, naming its line', async () => {
    const rows = 'BTC,a,1\n'.repeat(20_000);
    const message = await refusalOf(await file(HEADER + rows + 'BTC,\u0000,1\n'));
    expect(message).toContain('line 20002: the file contains a NUL byte');
  });

  it('Windows-1252 text (not UTF-8), naming the line, the offset and the byte', async () => {
    const content = Buffer.concat([Buffer.from(HEADER + 'BTC,a,1\nBTC,Jos'), Buffer.from([0xe9]), Buffer.from(',2\n')]);
    const message = await refusalOf(await file(content));
    expect(message).toMatch(/payroll\.csv line 3: the file is not UTF-8 text \(at byte 47, 0xE9\).*CSV UTF-8/);
  });

  it('invalid UTF-8 far beyond the first chunk', async () => {
    const content = Buffer.concat([Buffer.from(HEADER + 'BTC,é,1\n'.repeat(30_000)), Buffer.from([0xc3, 0x28, 0x0a])]);
    const message = await refusalOf(await file(content));
    expect(message).toContain('line 30002: the file is not UTF-8 text');
  });

  it('a file cut inside a multi-byte character', async () => {
    const content = Buffer.concat([Buffer.from(HEADER + 'BTC,a,1\n'), Buffer.from([0xe2, 0x82])]);
    expect(await refusalOf(await file(content))).toContain('line 3: the file is not UTF-8 text');
  });

  it.each([
    [
      'UTF-16 LE with BOM',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEADER + 'BTC,a,1\n', 'utf16le')]),
      'saved as UTF-16 (Unicode text); save it as CSV UTF-8',
    ],
    [
      'UTF-16 BE with BOM',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(HEADER, 'utf16le').swap16()]),
      'saved as UTF-16 (Unicode text); save it as CSV UTF-8',
    ],
    ['UTF-16 LE without BOM', Buffer.from(HEADER + 'BTC,a,1\n', 'utf16le'), 'looks like UTF-16'],
    [
      'an .xlsx workbook',
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00]),
      'Excel workbook (.xlsx)',
    ],
  ])('%s', async (_name, content, expected) => {
    expect(await refusalOf(await file(content))).toContain(expected);
  });

  it('a row with too many fields, with a hint about unquoted commas', async () => {
    const message = await refusalOf(
      await file(HEADER + 'BTC,a,1\nBTC,a,1\nBTC,a,1\nBTC,a,1\nBTC,a,1\nBTC,a,1,000.50\n'),
    );
    expect(message).toMatch(
      /payroll\.csv line 7 \(row 6\): the row has 4 fields but the header has 3\. Check for an unquoted comma in a name or amount \(1,000\.50\)/,
    );
  });

  it('a row with too many fields in a ; file, with a hint about semicolons', async () => {
    const message = await refusalOf(await file('currency_code;to_address;amount\nBTC;a;1;2\n'));
    expect(message).toContain(
      'line 2 (row 1): the row has 4 fields but the header has 3. Check for an unquoted semicolon',
    );
  });

  it('a row with too few fields (not padded)', async () => {
    const message = await refusalOf(await file(HEADER + 'BTC,a\n'));
    expect(message).toMatch(
      /line 2 \(row 1\): the row has 2 fields but the header has 3\. A value or a comma is missing/,
    );
  });

  it('a line of spaces', async () => {
    const message = await refusalOf(await file(HEADER + 'BTC,a,1\n   \nBTC,b,2\n'));
    expect(message).toMatch(
      /line 3 \(row 2\): the row has 1 field but the header has 3\. The line holds only spaces; delete it/,
    );
  });

  it('an unclosed quote, naming the line where the value starts', async () => {
    const message = await refusalOf(
      await file('currency_code,to_address,amount,name\nBTC,a,1,ok\nBTC,a,1,"Bob\nETH,b,2,x\n'),
    );
    expect(message).toMatch(/payroll\.csv line 3 \(row 2\): a double quote \("\) opens a value that is never closed/);
  });

  it('an unclosed quote in a big file, where the row never ends', async () => {
    const lines = 'BTC,a,1,x\n'.repeat(1000) + 'BTC,a,1,"oops\n' + 'BTC,a,1,x\n'.repeat(20_000);
    const message = await refusalOf(await file('currency_code,to_address,amount,name\n' + lines));
    expect(message).toMatch(/line 1002 \(row 1001\): the row does not end within 128000 characters; a double quote/);
  });

  it('a stray quote inside an unquoted value, naming the column', async () => {
    const message = await refusalOf(await file('currency_code,to_address,amount,name\nBTC,a,1,Bob "the builder"\n'));
    expect(message).toMatch(
      /line 2 \(row 1\), column "name": a double quote \("\) appears inside a value that does not start with one/,
    );
  });

  it('text after a closing quote', async () => {
    const message = await refusalOf(await file('currency_code,to_address,amount,name\nBTC,a,1,"Bob" Smith\n'));
    expect(message).toMatch(
      /line 2 \(row 1\), column "name": a quoted value is followed by " " after its closing quote/,
    );
  });

  it('a parse error after quoted CRLFs and blank lines: the line is counted as a person sees it', async () => {
    const csv =
      'currency_code,to_address,amount,note\r\n' + 'BTC,a,1,"x\r\ny\r\nz"\r\n\r\n'.repeat(3) + 'BTC,a,1,bad"quote\r\n';
    // Header: line 1; each repeat: 3 lines + a blank line; the bad row: line 14.
    const message = await refusalOf(await file(csv));
    expect(message).toContain('line 14 (row 4), column "note"');
  });

  it('the first problem in the file wins when a parse error follows a short row in the same chunk', async () => {
    const message = await refusalOf(await file(HEADER + 'BTC,a,1\nBTC,a\nBTC,a,1\nBTC,a,"x\n'));
    expect(message).toContain('line 3 (row 2): the row has 2 fields but the header has 3');
  });

  it('a parse error in the header', async () => {
    const message = await refusalOf(await file('currency_code,to_"address",amount\nBTC,a,1\n'));
    expect(message).toMatch(/line 1 \(the header\), column 2: a double quote/);
  });

  it('refusals are InputErrors (exit 2) with no stack in the message', async () => {
    const path = await file(HEADER + 'BTC,a\n');
    const err = await openPayroll(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as Error).message).not.toMatch(/\n\s+at /);
  });
});
