// A streaming XLSX writer for one sheet of plain values. exceljs's "streaming" WorkbookWriter keeps
// the whole uncompressed sheet in memory until it is committed (about 1.5 KB a row of our exports:
// 300 MB for 200,000 customers), so large exports write the file themselves: a zip whose entries are
// deflated as rows arrive and closed by data descriptors, waiting on the destination's backpressure.
// Memory stays at one 64 KB chunk plus zlib's window, whatever the row count.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createDeflateRaw, crc32 } from 'node:zlib';

export type Cell = string | number | null | undefined;

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

function staticParts(sheetName: string): [string, string][] {
  return [
    ['[Content_Types].xml', `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`],
    ['_rels/.rels', `${XML}<Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ['xl/workbook.xml', `${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="${escapeXml(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ['xl/_rels/workbook.xml.rels', `${XML}<Relationships xmlns="${PKG}"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`],
  ];
}

const NEEDS_ESCAPE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF&<>"]/;

function escapeXml(text: string): string {
  // Most cells (codes, names, amounts) need nothing: one test instead of five replaces.
  if (!NEEDS_ESCAPE.test(text)) return text;
  // Characters XML 1.0 cannot carry at all are dropped rather than producing a file Excel refuses.
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const COLUMNS: string[] = [];

/** Column letters of a 0-based index: 0 → A, 25 → Z, 26 → AA. */
function column(index: number): string {
  return (COLUMNS[index] ??= columnName(index));
}

function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

// Cell references are optional for Excel but required by other readers (exceljs among them).
function cellXml(ref: string, value: Cell): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'number') return Number.isFinite(value) ? `<c r="${ref}"><v>${value}</v></c>` : '';
  // xml:space only where it matters (leading or trailing blanks): a fifth of a typical sheet's bytes.
  const space = /^\s|\s$/.test(value) ? ' xml:space="preserve"' : '';
  return `<c r="${ref}" t="inlineStr"><is><t${space}>${escapeXml(value)}</t></is></c>`;
}

/** A decimal string written as a number cell, digit for digit (Excel reads it as a number). */
export function decimalCell(value: string): { decimal: string } {
  return { decimal: value };
}

function decimalXml(ref: string, value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? `<c r="${ref}"><v>${value}</v></c>` : cellXml(ref, value);
}

type Entry = { name: Buffer; crc: number; compressed: number; size: number; offset: number };

export type XlsxWriter = {
  /** Appends a row; resolves when the destination can take more. Decimal strings go in as numbers with `decimalCell`. */
  addRow(cells: (Cell | { decimal: string })[]): Promise<void>;
  /** Finishes the sheet and the zip. The destination is not ended. */
  finish(): Promise<void>;
};

export async function createXlsxWriter(out: Writable, sheetName = 'Sheet1'): Promise<XlsxWriter> {
  const entries: Entry[] = [];
  let offset = 0;
  const raw = async (buf: Buffer) => {
    offset += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  };

  async function openEntry(name: string) {
    const entry: Entry = { name: Buffer.from(name, 'utf8'), crc: 0, compressed: 0, size: 0, offset };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt16LE(0x0808, 6); // sizes in a data descriptor; UTF-8 names
    header.writeUInt16LE(8, 8); // deflate
    header.writeUInt16LE(0, 10); // time 00:00
    header.writeUInt16LE(0x21, 12); // date 1980-01-01
    header.writeUInt16LE(entry.name.length, 26);
    await raw(Buffer.concat([header, entry.name]));
    // Level 1: a sheet is repetitive XML, which even the fastest level shrinks tenfold; level 6 makes
    // the file 20% smaller and takes four to five times as long, most of a large export's time.
    const deflate = createDeflateRaw({ level: 1 });
    deflate.on('data', (chunk: Buffer) => {
      entry.compressed += chunk.length;
      offset += chunk.length;
      if (!out.write(chunk)) {
        deflate.pause();
        out.once('drain', () => deflate.resume());
      }
    });
    const ended = once(deflate, 'end');
    return {
      async write(text: string) {
        const buf = Buffer.from(text, 'utf8');
        entry.crc = crc32(buf, entry.crc);
        entry.size += buf.length;
        // No zip64: an entry must stay under 4 GB (a 200,000-row export is about 300 MB).
        if (entry.size > 0xffffffff) throw new RangeError('the sheet is larger than 4 GB, which this writer cannot store');
        if (!deflate.write(buf)) await once(deflate, 'drain');
      },
      async close() {
        deflate.end();
        await ended;
        const descriptor = Buffer.alloc(16);
        descriptor.writeUInt32LE(0x08074b50, 0);
        descriptor.writeUInt32LE(entry.crc >>> 0, 4);
        descriptor.writeUInt32LE(entry.compressed, 8);
        descriptor.writeUInt32LE(entry.size, 12);
        await raw(descriptor);
        entries.push(entry);
      },
    };
  }

  for (const [name, content] of staticParts(sheetName)) {
    const part = await openEntry(name);
    await part.write(content);
    await part.close();
  }
  const sheet = await openEntry('xl/worksheets/sheet1.xml');
  await sheet.write(`${XML}<worksheet xmlns="${MAIN}"><sheetData>`);
  let pending = '';
  let rowNumber = 0;

  return {
    async addRow(cells) {
      rowNumber++;
      const xml = cells.map((c, i) => {
        const ref = `${column(i)}${rowNumber}`;
        return c !== null && typeof c === 'object' ? decimalXml(ref, c.decimal) : cellXml(ref, c);
      });
      pending += `<row r="${rowNumber}">${xml.join('')}</row>`;
      if (pending.length >= 65_536) {
        const chunk = pending;
        pending = '';
        await sheet.write(chunk);
      }
    },
    async finish() {
      await sheet.write(`${pending}</sheetData></worksheet>`);
      pending = '';
      await sheet.close();
      const start = offset;
      for (const e of entries) {
        const header = Buffer.alloc(46);
        header.writeUInt32LE(0x02014b50, 0);
        header.writeUInt16LE(20, 4); // made by
        header.writeUInt16LE(20, 6); // needed
        header.writeUInt16LE(0x0808, 8);
        header.writeUInt16LE(8, 10);
        header.writeUInt16LE(0, 12);
        header.writeUInt16LE(0x21, 14);
        header.writeUInt32LE(e.crc >>> 0, 16);
        header.writeUInt32LE(e.compressed, 20);
        header.writeUInt32LE(e.size, 24);
        header.writeUInt16LE(e.name.length, 28);
        header.writeUInt32LE(e.offset, 42);
        await raw(Buffer.concat([header, e.name]));
      }
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(entries.length, 8);
      end.writeUInt16LE(entries.length, 10);
      end.writeUInt32LE(offset - start, 12);
      end.writeUInt32LE(start, 16);
      await raw(end);
    },
  };
}
