// The streaming XLSX reader: what exceljs writes (shared strings, rich text, formulas, booleans,
// errors, gaps), what our own writer writes (entries closed by data descriptors, many pieces), the
// spool for shared strings that come after the sheet, and files it must refuse.
import { PassThrough, Readable } from 'node:stream';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sheetXml, xlsxWithSheet } from '../test/zip.ts';
import { readFirstSheet, XlsxError } from './xlsx-reader.ts';
import { createXlsxWriter, decimalCell } from './xlsx-writer.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hg-xlsx-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The rows, fed in pieces of `piece` bytes (to cut entries, headers and tags anywhere). */
async function read(file: Buffer, piece = 1 << 16) {
  const pieces = [];
  for (let at = 0; at < file.length; at += piece) pieces.push(file.subarray(at, at + piece));
  const rows = [];
  for await (const row of readFirstSheet(Readable.from(pieces), { spoolPath: join(dir, 'spool.xml') }))
    rows.push({ number: row.number, values: [...row.values] });
  return rows;
}

describe('readFirstSheet', () => {
  it('reads what exceljs writes: shared strings, rich text, formulas, booleans, errors, gaps', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('customers');
    sheet.addRow(['customer_ref', 'amount']);
    sheet.addRow(['A & <3> "q"', 12.5]);
    sheet.addRow([{ richText: [{ text: 'Ri' }, { font: { bold: true }, text: 'ch' }] }, true]);
    sheet.addRow([{ formula: '1+1', result: 2 }, { formula: 'A1', result: 'txt' }, { error: '#N/A' }]);
    sheet.getCell('C6').value = 5;
    sheet.addRow(['ü日本語€', 1]);
    workbook.addWorksheet('second').addRow(['not read']);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());
    for (const piece of [7, 1 << 16]) {
      expect(await read(file, piece)).toEqual([
        { number: 1, values: ['customer_ref', 'amount'] },
        { number: 2, values: ['A & <3> "q"', 12.5] },
        { number: 3, values: ['Rich', true] },
        { number: 4, values: [2, 'txt', '#N/A'] },
        // biome-ignore lint/suspicious/noSparseArray: a row with only its third cell set.
        { number: 6, values: [, , 5] },
        { number: 7, values: ['ü日本語€', 1] },
      ]);
    }
  });

  it('reads our own writer: entries closed by data descriptors, rows across many pieces', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const xlsx = await createXlsxWriter(out, 'customers');
    await xlsx.addRow(['customer_ref', 'spend']);
    for (let i = 1; i <= 5_000; i++) await xlsx.addRow([`C-${i}`, decimalCell(`${i}.25`)]);
    await xlsx.finish();
    out.end();
    const rows = await read(Buffer.concat(chunks), 4_096);
    expect(rows).toHaveLength(5_001);
    expect(rows[4_000]).toEqual({ number: 4_001, values: ['C-4000', 4000.25] });
  });

  it('waits for shared strings stored after the sheet, in a spool file', async () => {
    const sheet = `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>x&amp;y</t></is></c><c r="B2"><v>3</v></c></row></sheetData></worksheet>`;
    const strings = `<sst><si><t>customer_ref</t></si><si><r><t>am</t></r><r><t xml:space="preserve">ount </t></r></si></sst>`;
    expect(await read(xlsxWithSheet(sheet, [{ name: 'xl/sharedStrings.xml', data: strings }]), 5)).toEqual([
      { number: 1, values: ['customer_ref', 'amount '] },
      { number: 2, values: ['x&y', 3] },
    ]);
  });

  it('numbers cells and rows without references one after another', async () => {
    const sheet = `<worksheet><sheetData><row><c t="inlineStr"><is><t>a</t></is></c><c><v>1</v></c></row><row><c r="C2"><v>2</v></c></row></sheetData></worksheet>`;
    expect(await read(xlsxWithSheet(sheet))).toEqual([
      { number: 1, values: ['a', 1] },
      // biome-ignore lint/suspicious/noSparseArray: only column C.
      { number: 2, values: [, , 2] },
    ]);
  });

  it('reads no rows from an empty upload or a sheet without rows', async () => {
    expect(await read(Buffer.alloc(0))).toEqual([]);
    expect(await read(xlsxWithSheet(sheetXml([])))).toEqual([]);
  });

  it('refuses what is not a workbook, and a cut one', async () => {
    await expect(read(Buffer.from('customer_ref,online_shopping\nA,1\n'))).rejects.toThrow(XlsxError);
    const file = xlsxWithSheet(sheetXml(Array.from({ length: 500 }, (_, i) => [`C-${i}`, i])));
    await expect(read(file.subarray(0, Math.floor(file.length * 0.8)))).rejects.toThrow(/ends in the middle/);
    expect(await readdir(dir)).toEqual([]);
  });
});
