// The streaming XLSX writer when the export behind it fails: nothing is left to end the process.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createXlsxWriter } from './xlsx-writer.ts';

describe('the writer when its destination goes away', () => {
  it('leaves no unhandled rejection behind an entry that was open', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const out = new PassThrough();
      out.resume();
      out.on('error', () => {});
      const xlsx = await createXlsxWriter(out, 'results');
      await xlsx.addRow(['customer_ref']);
      // An export whose database read failed destroys its stream mid-sheet.
      out.destroy(new Error('the read failed'));
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
