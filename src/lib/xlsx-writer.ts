// A streaming XLSX writer for one sheet of plain values. exceljs's "streaming" WorkbookWriter keeps
// the whole uncompressed sheet in memory until it is committed (about 1.5 KB a row of our exports:
// 300 MB for 200,000 customers), so large exports write the file themselves through the streaming
// zip writer (zip-writer.ts). Memory stays at one 64 KB chunk plus zlib's window, whatever the row count
// (docs/decisions/0009-streaming-xlsx-writer.md).
import type { Writable } from 'node:stream';
import { createZipWriter } from './zip-writer.ts';

export type Cell = string | number | null | undefined;

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

function staticParts(sheetName: string): [string, string][] {
  return [
    [
      '[Content_Types].xml',
      `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    ],
    [
      '_rels/.rels',
      `${XML}<Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ],
    [
      'xl/workbook.xml',
      `${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="${escapeXml(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `${XML}<Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    ],
  ];
}

const NEEDS_ESCAPE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF&<>"]/;

export function escapeXml(text: string): string {
  // Most cells (codes, names, amounts) need nothing: one test instead of five replaces.
  if (!NEEDS_ESCAPE.test(text)) return text;
  // Characters XML 1.0 cannot carry at all are dropped rather than producing a file Excel refuses.
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML 1.0 forbids, removed on purpose.
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

const COLUMNS: string[] = [];

/** Column letters of a 0-based index: 0 → A, 25 → Z, 26 → AA. */
export function column(index: number): string {
  return (COLUMNS[index] ??= columnName(index));
}

function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

// Cell references are optional for Excel but required by other readers (exceljs among them).
export function cellXml(ref: string, value: Cell): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'number') return Number.isFinite(value) ? `<c r="${ref}"><v>${value}</v></c>` : '';
  return `<c r="${ref}${textCellTail(value)}`;
}

/**
 * What follows the reference of a text cell (`<c r="A1` + this): for writers that repeat the same
 * texts on many rows and keep it. The value must not be empty (an empty cell is not written).
 */
export function textCellTail(value: string): string {
  // xml:space only where it matters (leading or trailing blanks): a fifth of a typical sheet's bytes.
  const space = /^\s|\s$/.test(value) ? ' xml:space="preserve"' : '';
  return `" t="inlineStr"><is><t${space}>${escapeXml(value)}</t></is></c>`;
}

/** A decimal string written as a number cell, digit for digit (Excel reads it as a number). */
export function decimalCell(value: string): { decimal: string } {
  return { decimal: value };
}

export function decimalXml(ref: string, value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? `<c r="${ref}"><v>${value}</v></c>` : cellXml(ref, value);
}

export type XlsxWriter = {
  /** Appends a row; resolves when the destination can take more. Decimal strings go in as numbers with `decimalCell`. */
  addRow(cells: (Cell | { decimal: string })[]): Promise<void>;
  /**
   * Appends a row whose cells the caller wrote with cellXml / decimalXml, their references in row
   * `nextRow`: a large export builds each row's XML at once instead of an array of cells.
   */
  addRowXml(cells: string): Promise<void>;
  /**
   * Appends a row per item, its cells written by `cells` as for addRowXml (given the row's number):
   * a large export hands over a batch at a time instead of waiting on each row.
   */
  addRowsXml<T>(items: readonly T[], cells: (item: T, rowNumber: number) => string): Promise<void>;
  /** The number of the row the next addRow or addRowXml writes. */
  readonly nextRow: number;
  /** Finishes the sheet and the zip. The destination is not ended. */
  finish(): Promise<void>;
};

export async function createXlsxWriter(out: Writable, sheetName = 'Sheet1'): Promise<XlsxWriter> {
  const zip = createZipWriter(out);
  for (const [name, content] of staticParts(sheetName)) await zip.file(name, content);
  // Level 1: a sheet is repetitive XML, which even the fastest level shrinks tenfold; level 6 makes
  // the file 20% smaller and takes four to five times as long, most of a large export's time.
  const sheet = await zip.entry('xl/worksheets/sheet1.xml', { level: 1 });
  await sheet.write(`${XML}<worksheet xmlns="${MAIN}"><sheetData>`);
  let pending = '';
  let rowNumber = 0;

  const addRowXml = async (cells: string) => {
    rowNumber++;
    pending += `<row r="${rowNumber}">${cells}</row>`;
    if (pending.length >= 65_536) {
      const chunk = pending;
      pending = '';
      await sheet.write(chunk);
    }
  };

  const addRowsXml = async <T>(items: readonly T[], cells: (item: T, rowNumber: number) => string) => {
    for (const item of items) {
      rowNumber++;
      pending += `<row r="${rowNumber}">${cells(item, rowNumber)}</row>`;
      if (pending.length >= 65_536) {
        const chunk = pending;
        pending = '';
        await sheet.write(chunk);
      }
    }
  };

  return {
    async addRow(cells) {
      const row = rowNumber + 1;
      let xml = '';
      for (let i = 0; i < cells.length; i++) {
        const c = cells[i];
        const ref = `${column(i)}${row}`;
        xml += c !== null && typeof c === 'object' ? decimalXml(ref, c.decimal) : cellXml(ref, c);
      }
      await addRowXml(xml);
    },
    addRowXml,
    addRowsXml,
    get nextRow() {
      return rowNumber + 1;
    },
    async finish() {
      await sheet.write(`${pending}</sheetData></worksheet>`);
      pending = '';
      await sheet.close();
      await zip.finish();
    },
  };
}
