// A streaming reader for the first worksheet of an XLSX file: the zip is read entry by entry as its
// bytes arrive (local headers, sizes known or closed by data descriptors), entries are inflated
// piece by piece, and rows are cut out of the sheet's XML as soon as they are complete, so memory
// holds one piece of the file, one row and the shared strings (docs/decisions/0024-own-xlsx-reader.md).
//
// Cell values are what exceljs's streaming reader gave, as the import reads them (files/import.ts):
// numbers as numbers, shared and inline strings as their text (rich text joined), booleans, error
// values as their text ("#N/A"), formulas as their cached result. Styles are not read: a date is the
// serial number a spreadsheet stores.
//
// A sheet that refers to shared strings the reader has not seen yet (Excel writes them after the
// sheets) is written to `spoolPath` from that row on and read back once they have arrived.
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createInflateRaw } from 'node:zlib';

export type XlsxRow = { number: number; values: unknown[] };

/** The file is not a workbook this reader can read (not a zip, damaged, encrypted). */
export class XlsxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XlsxError';
  }
}

export type XlsxReadOptions = {
  /** Where the sheet waits for its shared strings when they come after it. */
  spoolPath: string;
  /** Called with the bytes inflated so far (sheet and shared strings); throws to stop a zip bomb. */
  onInflated?(bytes: number): void;
  /** Called with each open spool file's stream, so the caller can stop it. */
  onSpool?(stream: WriteStream): void;
};

// Input pieces fed to zlib at once: one piece inflates to at most ~1,000× its size (and two pieces'
// output wait at most, one being parsed and the next being inflated).
const PIECE = 32 * 1024;
// A row (or a shared string) longer than this is refused rather than held.
const MAX_ELEMENT = 8 * 1024 * 1024;
const SHEET = /^xl\/worksheets\/sheet\d+\.xml$/;

class Bytes {
  private chunks: Buffer[] = [];
  private length = 0;
  private done = false;
  private readonly source: AsyncIterator<Uint8Array>;
  constructor(source: AsyncIterator<Uint8Array>) {
    this.source = source;
  }

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const v = next.value;
    const b = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    if (b.length) {
      this.chunks.push(b);
      this.length += b.length;
    }
    return true;
  }

  /** Exactly n bytes, or null when the input ends first. */
  async take(n: number): Promise<Buffer | null> {
    while (this.length < n) if (!(await this.more())) return null;
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const piece = await this.next(n - at);
      piece!.copy(out, at);
      at += piece!.length;
    }
    return out;
  }

  async need(n: number): Promise<Buffer> {
    const b = await this.take(n);
    if (!b) throw new XlsxError('the archive ends in the middle of an entry');
    return b;
  }

  /** Up to `max` bytes of what is there (reading more when nothing is), or null at the end. */
  async next(max: number): Promise<Buffer | null> {
    while (!this.length) if (!(await this.more())) return null;
    const first = this.chunks[0];
    if (first.length <= max) {
      this.chunks.shift();
      this.length -= first.length;
      return first;
    }
    this.chunks[0] = first.subarray(max);
    this.length -= max;
    return first.subarray(0, max);
  }

  unshift(b: Buffer) {
    if (!b.length) return;
    this.chunks.unshift(b);
    this.length += b.length;
  }
}

type Header = { name: string; flags: number; method: number; compressed: number; zip64: boolean };

/** An entry's content, inflated piece by piece; leaves `bytes` just after the entry's data. */
async function* content(bytes: Bytes, h: Header): AsyncGenerator<Buffer> {
  const sized = !(h.flags & 0x08) || h.zip64;
  if (h.method === 0) {
    if (!sized) throw new XlsxError(`entry ${h.name} is stored with no size`);
    for (let left = h.compressed; left > 0; ) {
      const b = await bytes.next(Math.min(left, PIECE));
      if (!b) throw new XlsxError('the archive ends in the middle of an entry');
      left -= b.length;
      yield b;
    }
    return;
  }
  if (h.method !== 8) throw new XlsxError(`entry ${h.name} uses compression method ${h.method}`);
  // Output steps of 256 KB: a piece of sheet XML inflates in one step instead of a dozen, each of
  // which waits for a turn of the event loop.
  const inflate = createInflateRaw({ chunkSize: 256 * 1024 });
  const out: Buffer[] = [];
  let ended = false;
  inflate.on('data', (d: Buffer) => out.push(d));
  inflate.on('end', () => {
    ended = true;
  });
  // zlib calls no write callback once the data is found bad: its error ends the wait instead.
  const failed = new Promise<never>((_, reject) =>
    inflate.once('error', (err) => reject(new XlsxError(`entry ${h.name} is damaged (${err.message})`))),
  );
  failed.catch(() => {});
  try {
    let fed = 0;
    for (let left = sized ? h.compressed : Number.POSITIVE_INFINITY; left > 0; ) {
      const b = await bytes.next(Math.min(left, PIECE));
      if (!b) throw new XlsxError('the archive ends in the middle of an entry');
      left -= b.length;
      fed += b.length;
      // zlib inflates this piece on the thread pool while the caller parses what the last one gave
      // (waiting first, then parsing, left one of the two idle: 0.9 s of a 200,000-row import).
      const wrote = Promise.race([new Promise<void>((resolve) => inflate.write(b, () => resolve())), failed]);
      wrote.catch(() => {});
      while (out.length) yield out.shift()!;
      await wrote;
      // zlib stops at the end of the deflate data: what it did not take belongs to what follows.
      const unused = fed - inflate.bytesWritten;
      if (unused > 0) {
        if (sized) throw new XlsxError(`entry ${h.name} is damaged (data after its end)`);
        bytes.unshift(b.subarray(b.length - unused));
        break;
      }
    }
    if (!ended) {
      const end = once(inflate, 'end');
      end.catch(() => {});
      inflate.end();
      await Promise.race([end, failed]);
    }
    while (out.length) yield out.shift()!;
  } finally {
    inflate.destroy();
  }
}

async function readHeader(bytes: Bytes, first: boolean): Promise<Header | null> {
  const sig = await bytes.take(4);
  if (!sig) {
    // An empty upload has no rows (and is refused as empty); a cut archive is damaged.
    if (first) return null;
    throw new XlsxError('the archive ends before its directory');
  }
  const signature = sig.readUInt32LE(0);
  if (signature === 0x02014b50 || signature === 0x06054b50) return null; // the central directory
  if (signature !== 0x04034b50)
    throw new XlsxError(first ? 'it is not a zip archive' : 'the archive is damaged (no entry where one should start)');
  const h = await bytes.need(26);
  const flags = h.readUInt16LE(2);
  const method = h.readUInt16LE(4);
  let compressed = h.readUInt32LE(14);
  const name = (await bytes.need(h.readUInt16LE(22))).toString('utf8');
  const extra = await bytes.need(h.readUInt16LE(24));
  let zip64 = false;
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (id === 0x0001 && size >= 16 && at + 20 <= extra.length) {
      zip64 = true;
      compressed = Number(extra.readBigUInt64LE(at + 12));
    }
    at += 4 + size;
  }
  if (flags & 0x01) throw new XlsxError('the workbook is encrypted (saved with a password)');
  return { name, flags, method, compressed, zip64 };
}

async function skipDescriptor(bytes: Bytes, h: Header) {
  if (!(h.flags & 0x08)) return;
  const sig = await bytes.need(4);
  const sizes = h.zip64 ? 16 : 8;
  await bytes.need(sig.readUInt32LE(0) === 0x08074b50 ? 4 + sizes : sizes);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
      : ENTITIES[e],
  );
}

/** An attribute of a start tag (the text from `<` to `>`), or undefined. */
function attribute(tag: string, name: string): string | undefined {
  let at = tag.indexOf(` ${name}="`);
  if (at >= 0) {
    at += name.length + 3;
    return tag.slice(at, tag.indexOf('"', at));
  }
  if (!tag.includes(`${name}`)) return undefined;
  const m = new RegExp(`\\s${name}\\s*=\\s*(["'])(.*?)\\1`).exec(tag);
  return m ? m[2] : undefined;
}

/** The text of every <t> of a string item (shared or inline), phonetic runs left out. */
function itemText(xml: string): string {
  const body = xml.includes('<rPh') ? xml.replace(/<rPh[\s>][\s\S]*?<\/rPh>/g, '') : xml;
  let text = '';
  const t = /<t(?:\s[^>]*)?(?:\/>|>([^<]*)<\/t>)/g;
  for (let m = t.exec(body); m; m = t.exec(body)) text += m[1] ?? '';
  return decodeXml(text);
}

/** The element `<name …>…</name>` or `<name …/>` starting at or after `from` in `xml`, or null. */
function element(xml: string, name: string, from: number): { start: number; tagEnd: number; end: number } | null {
  for (let at = xml.indexOf(`<${name}`, from); at >= 0; at = xml.indexOf(`<${name}`, at + 1)) {
    const after = xml.charCodeAt(at + name.length + 1);
    // `<c` must not match `<col`: the name ends at a blank, `>` or `/`.
    if (after !== 0x20 && after !== 0x3e && after !== 0x2f && after !== 0x09 && after !== 0x0a && after !== 0x0d)
      continue;
    const tagEnd = xml.indexOf('>', at);
    if (tagEnd < 0) return null;
    if (xml.charCodeAt(tagEnd - 1) === 0x2f) return { start: at, tagEnd, end: tagEnd + 1 };
    const close = xml.indexOf(`</${name}>`, tagEnd);
    if (close < 0) return null;
    return { start: at, tagEnd, end: close + name.length + 3 };
  }
  return null;
}

function columnIndex(ref: string | undefined, previous: number): number {
  if (!ref) return previous + 1;
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) n = n * 26 + (c - 64);
    else if (c >= 97 && c <= 122) n = n * 26 + (c - 96);
    else break;
  }
  return n || previous + 1;
}

class NeedStrings {}
const NEED_STRINGS = new NeedStrings();

/** One cell's value (exceljs's reading, see the top of this file), or undefined for none. */
function cellValue(xml: string, tagEnd: number, end: number, type: string | undefined, strings: string[] | null) {
  const inner = xml.slice(tagEnd + 1, end);
  if (type === 'inlineStr') {
    const is = element(inner, 'is', 0);
    if (is) return itemText(inner.slice(is.start, is.end));
  }
  const v = element(inner, 'v', 0);
  const raw = v ? (v.end - v.tagEnd > 1 ? inner.slice(v.tagEnd + 1, v.end - 4) : '') : undefined;
  const f = element(inner, 'f', 0);
  if (f) {
    if (raw === undefined) return `=${decodeXml(f.end - f.tagEnd > 1 ? inner.slice(f.tagEnd + 1, f.end - 4) : '')}`;
    return type === 'str' ? decodeXml(raw) : parseFloat(raw);
  }
  if (raw === undefined) return undefined;
  switch (type) {
    case 's': {
      if (!strings) throw NEED_STRINGS;
      const s = strings[parseInt(raw, 10)];
      if (s === undefined)
        throw new XlsxError(`a cell refers to shared string ${raw}, which the workbook does not have`);
      // An empty shared string is no value, as exceljs read it: the cell stays a hole.
      return s === '' ? undefined : s;
    }
    case 'str':
    case 'inlineStr':
      return decodeXml(raw);
    case 'e':
      return decodeXml(raw);
    case 'b':
      return parseInt(raw, 10) !== 0;
    default:
      return parseFloat(raw);
  }
}

/** Cuts rows out of a sheet's XML as it arrives. */
class SheetParser {
  private pending = '';
  private inData = false;
  private finished = false;
  private lastRow = 0;
  private strings: string[] | null;
  constructor(strings: string[] | null) {
    this.strings = strings;
  }

  setStrings(strings: string[] | null) {
    this.strings = strings;
  }

  get done() {
    return this.finished;
  }

  /**
   * Adds text; returns the complete rows. When a row needs shared strings not known yet, returns
   * them with `rest`: the text from that row on, which the parser no longer holds.
   */
  feed(text: string): { rows: XlsxRow[]; rest?: string } {
    let xml = this.pending + text;
    const rows: XlsxRow[] = [];
    let at = 0;
    if (!this.inData) {
      const start = xml.indexOf('<sheetData');
      if (start < 0) {
        this.pending = xml.slice(Math.max(0, xml.length - 16));
        return { rows };
      }
      const tagEnd = xml.indexOf('>', start);
      if (tagEnd < 0) {
        this.pending = xml.slice(start);
        return { rows };
      }
      this.inData = true;
      if (xml.charCodeAt(tagEnd - 1) === 0x2f) {
        this.finished = true;
        this.pending = '';
        return { rows };
      }
      xml = xml.slice(tagEnd + 1);
    }
    const close = xml.indexOf('</sheetData>', at);
    while (!this.finished) {
      const row = element(xml, 'row', at);
      if (close >= 0 && (!row || row.start > close)) {
        this.finished = true;
        break;
      }
      if (!row) break;
      try {
        const parsed = this.row(xml, row);
        if (parsed) rows.push(parsed);
      } catch (err) {
        if (err !== NEED_STRINGS) throw err;
        this.pending = '';
        return { rows, rest: xml.slice(row.start) };
      }
      at = row.end;
    }
    if (this.finished) {
      this.pending = '';
      return { rows };
    }
    // Keep the incomplete row, or just enough to see a tag that was cut in two.
    const open = xml.indexOf('<row', at);
    this.pending = open >= 0 ? xml.slice(open) : xml.slice(Math.max(at, xml.length - 16));
    if (this.pending.length > MAX_ELEMENT) throw new XlsxError('a row of the sheet is larger than 8 MB');
    return { rows };
  }

  private row(xml: string, row: { start: number; tagEnd: number; end: number }): XlsxRow | null {
    const number = Number.parseInt(attribute(xml.slice(row.start, row.tagEnd + 1), 'r') ?? '', 10) || this.lastRow + 1;
    this.lastRow = number;
    const values: unknown[] = [];
    if (row.end === row.tagEnd + 1) return { number, values };
    let column = 0;
    const limit = row.end - 6; // before </row>
    for (let at = row.tagEnd + 1; at < limit; ) {
      const c = element(xml, 'c', at);
      if (!c || c.start >= limit) break;
      const tag = xml.slice(c.start, c.tagEnd + 1);
      column = columnIndex(attribute(tag, 'r'), column);
      if (c.end > c.tagEnd + 1) {
        const value = cellValue(xml, c.tagEnd, c.end - 4, attribute(tag, 't'), this.strings);
        if (value !== undefined) values[column - 1] = value;
      }
      at = c.end;
    }
    return { number, values };
  }
}

async function sharedStrings(parts: AsyncIterable<Buffer>): Promise<string[]> {
  const strings: string[] = [];
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const part of parts) {
    const xml = pending + decoder.write(part);
    let at = 0;
    for (;;) {
      const si = element(xml, 'si', at);
      if (!si) break;
      strings.push(si.end === si.tagEnd + 1 ? '' : itemText(xml.slice(si.tagEnd + 1, si.end - 5)));
      at = si.end;
    }
    const open = xml.indexOf('<si', at);
    pending = open >= 0 ? xml.slice(open) : xml.slice(Math.max(at, xml.length - 16));
    if (pending.length > MAX_ELEMENT) throw new XlsxError('a shared string is larger than 8 MB');
  }
  return strings;
}

/** The rows of the workbook's first worksheet (the first in the archive), in order. */
export async function* readFirstSheet(
  source: AsyncIterable<Uint8Array>,
  options: XlsxReadOptions,
): AsyncGenerator<XlsxRow> {
  const bytes = new Bytes(source[Symbol.asyncIterator]());
  let strings: string[] | null = null;
  let inflated = 0;
  const count = (n: number) => {
    inflated += n;
    options.onInflated?.(inflated);
  };
  async function* counted(parts: AsyncIterable<Buffer>) {
    for await (const part of parts) {
      count(part.length);
      yield part;
    }
  }
  let spooled = false;
  try {
    // The sheet, once it is being written to the spool: the parser and the file.
    let waiting: SheetParser | undefined;
    let sheetSeen = false;
    for (let first = true; ; first = false) {
      const h = await readHeader(bytes, first);
      if (!h) break;
      if (h.name === 'xl/sharedStrings.xml' && !strings) {
        strings = await sharedStrings(counted(content(bytes, h)));
      } else if (SHEET.test(h.name) && !sheetSeen) {
        sheetSeen = true;
        const parser = new SheetParser(strings);
        const decoder = new StringDecoder('utf8');
        let spool: WriteStream | undefined;
        for await (const part of counted(content(bytes, h))) {
          const text = decoder.write(part);
          if (spool) {
            if (!spool.write(text)) await once(spool, 'drain');
            continue;
          }
          const { rows, rest } = parser.feed(text);
          yield* rows;
          if (parser.done) return;
          if (rest !== undefined) {
            spool = createWriteStream(options.spoolPath);
            spooled = true;
            options.onSpool?.(spool);
            if (!spool.write(rest)) await once(spool, 'drain');
          }
        }
        if (!spool) return;
        const tail = decoder.end();
        spool.end(tail);
        await once(spool, 'finish');
        waiting = parser;
      } else {
        // Anything else is passed over (inflated only when that is the only way to find its end).
        if (h.method === 8 && (!(h.flags & 0x08) || h.zip64)) {
          for (let left = h.compressed; left > 0; ) {
            const b = await bytes.next(Math.min(left, 1 << 20));
            if (!b) throw new XlsxError('the archive ends in the middle of an entry');
            left -= b.length;
          }
        } else for await (const _ of content(bytes, h));
      }
      await skipDescriptor(bytes, h);
      if (waiting && strings) break;
    }
    if (!waiting) return;
    // The spooled rows, now that the shared strings are known (or known to be missing).
    waiting.setStrings(strings ?? []);
    const decoder = new StringDecoder('utf8');
    for await (const part of createReadStream(options.spoolPath, { highWaterMark: 256 * 1024 })) {
      const { rows } = waiting.feed(decoder.write(part as Buffer));
      yield* rows;
      if (waiting.done) return;
    }
    yield* waiting.feed(decoder.end()).rows;
  } finally {
    if (spooled) await rm(options.spoolPath, { force: true });
  }
}
