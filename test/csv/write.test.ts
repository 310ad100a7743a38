import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../src/core/errors.js';
import type { RowStatus } from '../../src/core/types.js';
import type { PayrollHeader } from '../../src/csv/read.js';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { expectBe } from '../helpers/agree.js';
import { createResultWriter, csvRecord, neutraliseCell } from '../../src/csv/write.js';
import { readAll, useTempDir } from './helpers.js';

const dir = useTempDir();
const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

const header: PayrollHeader = {
  columns: ['currency_code', 'to_address', 'amount'],
  index: { currency_code: 0, to_address: 1, amount: 2 },
  delimiter: ',',
  bom: false,
  sepLine: false,
};
const row = (rowNumber: number, fields: string[]) => ({ rowNumber, lineNumber: rowNumber + 1, fields });

describe('neutraliseCell', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    ['\n=1', "'\n=1"],
    ['＝1', "'＝1"],
    ['=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'],
    ['INV-12345678', 'INV-12345678'],
    ['insufficient balance', 'insufficient balance'],
    ['a=1', 'a=1'],
    [' =1', ' =1'],
    ["'=1", "'=1"],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });
});

describe('csvRecord', () => {
  // What the writer used before it wrote cells by hand: the same bytes, or outputs would change.
  const stringifyRecord = (cells: string[]): string =>
    stringify([cells], {
      delimiter: ',',
      record_delimiter: '\n',
      quote_record_delimiter: true,
      eof: false,
      bom: false,
      header: false,
    });

  it('writes the same bytes as csv-stringify for any cells', () => {
    const cell = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', ';', "'", 'é', '=') }),
    );
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (cells) => {
        expectBe(csvRecord(cells), stringifyRecord(cells));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    [['a', 'b'], 'a,b'],
    [['a,b', 'c'], '"a,b",c'],
    [['say "hi"'], '"say ""hi"""'],
    [['line\rbreak', 'x\ny'], '"line\rbreak","x\ny"'],
    [['', ' '], ', '],
  ])('%j → %j', (cells, expected) => {
    expect(csvRecord(cells)).toBe(expected);
  });
});

describe('createResultWriter', () => {
  it('round trip: every input column identical, then status, invoice_id and error', async () => {
    const { payroll, rows } = await readAll(fixture('payroll-small.csv'));
    const out = join(dir(), 'results.csv');
    const writer = await createResultWriter(out, payroll.header);
    const statuses: RowStatus[] = ['paid', 'failed', 'invalid', 'unknown', 'pending', 'valid'];
    for (const [i, r] of rows.entries()) {
      await writer.write(r, {
        status: statuses[i % statuses.length] ?? 'paid',
        invoiceId: i % 2 ? `INV-0000000${i}` : undefined,
        error: i % 2 ? undefined : `reason ${i}`,
      });
    }
    await writer.commit();

    const records = parse(await readFile(out), { relax_column_count: false }) as string[][];
    expect(records[0]).toEqual([...payroll.header.columns, 'status', 'invoice_id', 'error']);
    expect(records).toHaveLength(rows.length + 1);
    for (const [i, r] of rows.entries()) {
      const record = records[i + 1] ?? [];
      expect(record.slice(0, r.fields.length)).toEqual(r.fields);
      expect(record.slice(r.fields.length)).toEqual([
        statuses[i % statuses.length],
        i % 2 ? `INV-0000000${i}` : '',
        i % 2 ? '' : `reason ${i}`,
      ]);
    }
  });

  it('reads back through openPayroll as the same rows (and refuses to pay it again)', async () => {
    const { payroll, rows } = await readAll(fixture('payroll-small.csv'));
    const out = join(dir(), 'results.csv');
    const writer = await createResultWriter(out, payroll.header);
    for (const r of rows) await writer.write(r, { status: 'valid' });
    await writer.commit();
    const again = parse(await readFile(out), { columns: false }) as string[][];
    expect(again.slice(1).map((record) => record.slice(0, -3))).toEqual(rows.map((r) => r.fields));
    await expect(readAll(out)).rejects.toThrow(/looks like a payout results file/);
  });

  it('writes a European Excel file (BOM, ;, CRLF) as UTF-8 without BOM, comma-delimited, LF-terminated', async () => {
    const { payroll, rows } = await readAll(fixture('payroll-semicolon-bom-crlf.csv'));
    const out = join(dir(), 'results.csv');
    const writer = await createResultWriter(out, payroll.header);
    for (const r of rows) await writer.write(r, { status: 'valid' });
    await writer.commit();
    const text = await readFile(out, 'utf8');
    expect(text.startsWith('Currency_Code,To_Address,Amount,Name,status,invoice_id,error\n')).toBe(true);
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    expect(text).not.toContain('\r');
    expect(text).toContain('USDT_ERC20,0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb,1250.5,Müller; Hans,valid,,\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('quotes only where needed and keeps line breaks, quotes and spaces of the input byte for byte', async () => {
    const fields = ['BTC', '  spaced  ', 'say "hi", bye', 'two\r\nlines', 'lone\rcr', 'José 🚀', ''];
    const h: PayrollHeader = { ...header, columns: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] };
    const out = join(dir(), 'results.csv');
    const writer = await createResultWriter(out, h);
    await writer.write(row(1, fields), { status: 'paid', invoiceId: 'INV-1' });
    await writer.commit();
    const text = await readFile(out, 'utf8');
    expect(text).toBe(
      'a,b,c,d,e,f,g,status,invoice_id,error\n' +
        'BTC,  spaced  ,"say ""hi"", bye","two\r\nlines","lone\rcr",José 🚀,,paid,INV-1,\n',
    );
    const records = parse(text, { record_delimiter: '\n' }) as string[][];
    expect(records[1]?.slice(0, fields.length)).toEqual(fields);
  });

  it('neutralises the cells it writes, never the input cells', async () => {
    const out = join(dir(), 'results.csv');
    const writer = await createResultWriter(out, header);
    await writer.write(row(1, ['=cmd', '+1', '-2']), { status: 'failed', invoiceId: '=evil()', error: '@SUM(1)' });
    await writer.commit();
    const records = parse(await readFile(out)) as string[][];
    expect(records[1]).toEqual(['=cmd', '+1', '-2', 'failed', "'=evil()", "'@SUM(1)"]);
  });

  it('is atomic: nothing at the target until commit, and the old output stays until then', async () => {
    const out = join(dir(), 'results.csv');
    await writeFile(out, 'previous output\n');
    const writer = await createResultWriter(out, header);
    await writer.write(row(1, ['BTC', 'a', '1']), { status: 'paid', invoiceId: 'INV-1' });
    expect(await readFile(out, 'utf8')).toBe('previous output\n');
    const temps = (await readdir(dir())).filter((name) => name.endsWith('.tmp'));
    expect(temps).toHaveLength(1);
    expect(temps[0]).toMatch(/^\.results\.csv\.\d+\.[0-9a-f]+\.tmp$/);
    expect((await stat(join(dir(), temps[0] ?? ''))).mode & 0o777).toBe(0o600);

    await writer.commit();
    expect(await readFile(out, 'utf8')).toBe(
      'currency_code,to_address,amount,status,invoice_id,error\nBTC,a,1,paid,INV-1,\n',
    );
    expect(await readdir(dir())).toEqual(['results.csv']);
  });

  it('creates the output with mode 0600, also over an existing file with another mode', async () => {
    const out = join(dir(), 'results.csv');
    await writeFile(out, 'old\n', { mode: 0o644 });
    const writer = await createResultWriter(out, header);
    await writer.write(row(1, ['BTC', 'a', '1']), { status: 'valid' });
    await writer.commit();
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it('abort removes the temp file and leaves the target as it was', async () => {
    const out = join(dir(), 'results.csv');
    const writer = await createResultWriter(out, header);
    await writer.write(row(1, ['BTC', 'a', '1']), { status: 'paid' });
    await writer.abort();
    await writer.abort();
    expect(await readdir(dir())).toEqual([]);
    await expect(writer.write(row(2, ['BTC', 'a', '1']), { status: 'paid' })).rejects.toThrow(/already aborted/);
    await expect(writer.commit()).rejects.toThrow(/already aborted/);
  });

  it('abort after commit changes nothing; a second commit is refused', async () => {
    const out = join(dir(), 'results.csv');
    const writer = await createResultWriter(out, header);
    await writer.commit();
    await writer.abort();
    expect(await readFile(out, 'utf8')).toBe('currency_code,to_address,amount,status,invoice_id,error\n');
    await expect(writer.commit()).rejects.toThrow(/already committed/);
  });

  it('refuses a row whose field count differs from the header (a programming error)', async () => {
    const writer = await createResultWriter(join(dir(), 'results.csv'), header);
    await expect(writer.write(row(3, ['BTC', 'a']), { status: 'paid' })).rejects.toThrow(
      'row 3 has 2 fields but the header has 3',
    );
    await writer.abort();
  });

  it('refuses a folder that does not exist with a UsageError', async () => {
    const out = join(dir(), 'no', 'such', 'results.csv');
    const err = await createResultWriter(out, header).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`cannot write the output CSV ${out}: the folder does not exist`);
  });

  it('streams many rows, waiting on backpressure, in order', async () => {
    const out = join(dir(), 'results.csv');
    const writer = await createResultWriter(out, header);
    const count = 50_000;
    for (let i = 1; i <= count; i++)
      await writer.write(row(i, ['USDT_TRC20', `T${i}`, `${i}.25`]), { status: 'paid', invoiceId: `INV-${i}` });
    await writer.commit();
    const lines = (await readFile(out, 'utf8')).split('\n');
    expect(lines).toHaveLength(count + 2);
    expect(lines[count]).toBe(`USDT_TRC20,T${count},${count}.25,paid,INV-${count},`);
    expect(lines[count + 1]).toBe('');
  });
});

describe('removeDeadTemps', () => {
  it('removes the temp files of dead writers only', async () => {
    const { removeDeadTemps } = await import('../../src/csv/write.js');
    const { spawnSync } = await import('node:child_process');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payout-temps-'));
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    const out = path.join(dir, 'p.results.csv');
    const deadTemp = path.join(dir, `.p.results.csv.${dead}.abc123.tmp`);
    const liveTemp = path.join(dir, `.p.results.csv.${process.pid}.def456.tmp`);
    const other = path.join(dir, `.other.csv.${dead}.abc123.tmp`);
    for (const f of [deadTemp, liveTemp, other]) fs.writeFileSync(f, 'x');
    expect(await removeDeadTemps(out)).toBe(1);
    expect(fs.existsSync(deadTemp)).toBe(false);
    expect(fs.existsSync(liveTemp)).toBe(true);
    expect(fs.existsSync(other)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
