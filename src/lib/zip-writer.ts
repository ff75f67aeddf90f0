// A streaming zip writer: entries are deflated as their text arrives and closed by data
// descriptors, waiting on the destination's backpressure, so memory stays at one chunk plus zlib's
// window whatever the archive's size. Used by the XLSX writer and the course exports. No zip64:
// each entry and the whole archive must stay under 4 GB, and at most 65,535 entries.
import { once } from 'node:events';
import type { TransformOptions, Writable } from 'node:stream';
import { createDeflateRaw, crc32, type ZlibOptions } from 'node:zlib';

/**
 * Waits until `out` takes more data; rejects if it is destroyed first (a client that stopped
 * downloading), so a writer never waits forever on a stream nobody reads.
 */
export async function drained(out: Writable): Promise<void> {
  if (out.destroyed) throw new Error('the destination was closed');
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', closed);
      resolve();
    };
    const closed = () => {
      out.off('drain', done);
      reject(new Error('the destination was closed'));
    };
    out.once('drain', done);
    out.once('close', closed);
  });
}

type Entry = { name: Buffer; crc: number; compressed: number; size: number; offset: number };

export type ZipEntry = {
  /** Appends text (UTF-8) or bytes; resolves when the destination can take more. */
  write(data: string | Buffer): Promise<void>;
  close(): Promise<void>;
};

export type ZipWriter = {
  /**
   * Opens an entry; entries are written one after another, so close one before opening the next.
   * `level` is zlib's deflate level (6 by default).
   */
  entry(name: string, options?: { level?: number }): Promise<ZipEntry>;
  /** A whole small entry at once. */
  file(name: string, content: string | Buffer): Promise<void>;
  /** Writes the central directory. The destination is not ended. */
  finish(): Promise<void>;
};

export function createZipWriter(out: Writable): ZipWriter {
  const entries: Entry[] = [];
  let offset = 0;
  const raw = async (buf: Buffer) => {
    offset += buf.length;
    if (!out.write(buf)) await drained(out);
  };

  async function entry(name: string, options: { level?: number } = {}): Promise<ZipEntry> {
    if (entries.length >= 0xffff) throw new RangeError('a zip without zip64 holds at most 65,535 entries');
    const e: Entry = { name: Buffer.from(name, 'utf8'), crc: 0, compressed: 0, size: 0, offset };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt16LE(0x0808, 6); // sizes in a data descriptor; UTF-8 names
    header.writeUInt16LE(8, 8); // deflate
    header.writeUInt16LE(0, 10); // time 00:00
    header.writeUInt16LE(0x21, 12); // date 1980-01-01
    header.writeUInt16LE(e.name.length, 26);
    await raw(Buffer.concat([header, e.name]));
    // zlib deflates on the thread pool, one written chunk at a time, and hands each result back through
    // the event loop before it starts on the next. Up to 1 MB of text may wait for it (so the writer
    // runs ahead by a batch), in output steps of 64 KB (a 64 KB write of XML is one step, not four).
    // (zlib streams hand their options to Transform, which @types/node's ZlibOptions does not say.)
    const streamOptions: ZlibOptions & TransformOptions = {
      level: options.level ?? 6,
      chunkSize: 64 * 1024,
      writableHighWaterMark: 1 << 20,
    };
    const deflate = createDeflateRaw(streamOptions);
    // A destination destroyed mid-entry (the reader went away) ends the entry's writes with an error.
    const abandon = () => deflate.destroy(new Error('the destination was closed'));
    deflate.on('error', () => {});
    out.once('close', abandon);
    deflate.on('data', (chunk: Buffer) => {
      e.compressed += chunk.length;
      offset += chunk.length;
      if (!out.write(chunk)) {
        deflate.pause();
        out.once('drain', () => deflate.resume());
      }
    });
    const ended = once(deflate, 'end');
    // close() awaits it; an entry abandoned before (the export failed and destroyed the destination)
    // must not leave its rejection unhandled, which ends the process.
    ended.catch(() => {});
    return {
      async write(data) {
        const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        e.crc = crc32(buf, e.crc);
        e.size += buf.length;
        if (e.size > 0xffffffff)
          throw new RangeError(`zip entry ${name} is larger than 4 GB, which this writer cannot store`);
        // A turn of the event loop after each write lets zlib's results in, so it compresses one chunk
        // while the caller builds the next: without it the two took turns, and a 200,000-row export
        // waited 2.1 s on zlib (4.9 s in all; 3.9 s with the turn).
        if (!deflate.write(buf)) await once(deflate, 'drain');
        else await new Promise<void>((resolve) => setImmediate(resolve));
      },
      async close() {
        deflate.end();
        await ended;
        out.off('close', abandon);
        const descriptor = Buffer.alloc(16);
        descriptor.writeUInt32LE(0x08074b50, 0);
        descriptor.writeUInt32LE(e.crc >>> 0, 4);
        descriptor.writeUInt32LE(e.compressed, 8);
        descriptor.writeUInt32LE(e.size, 12);
        await raw(descriptor);
        entries.push(e);
      },
    };
  }

  return {
    entry,
    async file(name, content) {
      const e = await entry(name);
      await e.write(content);
      await e.close();
    },
    async finish() {
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
