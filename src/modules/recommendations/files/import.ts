// Imports a job's customers from a CSV or XLSX stream, any size, without holding the file: rows are
// parsed as the bytes arrive and go straight into recommendation_job_customers through COPY, all in
// one transaction with the job row, its chunks and their queue entries — a failed import leaves
// nothing behind. Bad rows are refused with their line numbers while the rest import; file-level
// problems (empty, unknown or missing columns, nothing importable, too large) refuse the whole file.
import { createHash } from 'node:crypto';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { eq, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import { copyFailure, copyText, transactionClient } from '../../../db/copy.ts';
import { recommendationJobTable, type ProviderKind } from '../../../db/tables/index.ts';
import { readFirstSheet } from '../../../lib/xlsx-reader.ts';
import { checkHeader, parseCustomerRecord, REQUIRED_COLUMNS, type InputColumn } from '../jobs/input.ts';
import {
  chunkSizeFor,
  customerTuple,
  findRecentDuplicate,
  lockRequest,
  planChunks,
  resolveProvider,
  type Job,
  type JobDeps,
} from '../jobs/service.ts';
import type { FileFormat } from './format.ts';

export type ImportFormat = FileFormat;
export type ImportInput = {
  source: AsyncIterable<Uint8Array>;
  format: ImportFormat;
  name?: string | null;
  provider?: ProviderKind | null;
  /** Called as bytes are read (for progress bars). */
  onBytes?(total: number): void;
};
export type RowError = { line: number; message: string };
export type ImportResult = {
  job: Job;
  deduplicated: boolean;
  imported: number;
  rejectedRows: number;
  errors: RowError[];
};

export const KEPT_ROW_ERRORS = 1_000;

export type ImportErrorCode =
  | 'EMPTY_FILE'
  | 'BAD_HEADER'
  | 'NO_VALID_ROWS'
  | 'TOO_LARGE'
  | 'UNREADABLE'
  | 'BUSY'
  | 'TOO_SLOW';

/** The file as a whole was refused; nothing was imported. */
export class ImportError extends Error {
  readonly code: ImportErrorCode;
  readonly errors: RowError[];
  constructor(code: ImportErrorCode, message: string, errors: RowError[] = []) {
    super(message);
    this.name = 'ImportError';
    this.code = code;
    this.errors = errors;
  }
}

type Row = { line: number; cells: unknown[] };

async function* csvRows(input: Readable): AsyncGenerator<Row | RowError> {
  const skipped: RowError[] = [];
  const parser = input.pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_error: true, info: true }),
  );
  parser.on('skip', (err: Error & { lines?: number }) => {
    skipped.push({
      line: err.lines ?? 0,
      message: `malformed CSV: ${err.message.replace(/^Invalid Record Length: |\.$/g, '')}`,
    });
  });
  input.on('error', (err) => parser.destroy(err));
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length) yield skipped.shift()!;
    yield { line: info.lines, cells: record };
  }
  while (skipped.length) yield skipped.shift()!;
}

// A zip bomb is refused once its sheet (with its shared strings) inflates past this (a real workbook
// inflates ~5-10×; a 200,000-customer sheet is ~60 MB from ~15 MB).
const INFLATE_BASE_BYTES = 16 * 1024 * 1024;
const INFLATE_RATIO = 50;

async function* xlsxRows(input: Readable, received: { bytes: number }): AsyncGenerator<Row> {
  // A sheet that needs shared strings stored after it waits for them in a file: each import gets a
  // folder of its own, removed however the import ends.
  const spool = await mkdtemp(join(tmpdir(), 'hg-xlsx-'));
  const spooling: WriteStream[] = [];
  try {
    const rows = readFirstSheet(input, {
      spoolPath: join(spool, 'sheet.xml'),
      onSpool: (stream) => spooling.push(stream),
      onInflated(size) {
        if (size > INFLATE_BASE_BYTES + INFLATE_RATIO * received.bytes)
          throw new ImportError(
            'TOO_LARGE',
            `The workbook inflates to more than ${Math.round(size / 1048576)} MB from ${Math.round(received.bytes / 1024)} KB; it is not a plain customer sheet.`,
          );
      },
    });
    for await (const row of rows) {
      if (row.values.some((v) => v !== null && v !== undefined && String(v).trim() !== ''))
        yield { line: row.number, cells: row.values };
    }
  } finally {
    input.destroy();
    for (const stream of spooling) stream.destroy();
    await rm(spool, { recursive: true, force: true });
  }
}

type Deadlines = { idleMs: number; totalMs: number };

/**
 * Wraps the upload: counts and hashes bytes as they pass, stops a file over the size limit, and one
 * that sends nothing for `idleMs` or lasts longer than `totalMs`: an import holds one of a few slots and
 * a pooled connection, so a slow client must not keep them.
 */
async function* metered(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  hash: ReturnType<typeof createHash>,
  deadlines: Deadlines,
  received: { bytes: number },
  onBytes?: (n: number) => void,
) {
  let bytes = 0;
  const iterator = source[Symbol.asyncIterator]();
  const endsAt = Date.now() + deadlines.totalMs;
  try {
    for (;;) {
      // Which limit this wait ends at is decided now: a timer may fire a millisecond before the
      // clock reads its end, so asking the clock afterwards could name the wrong setting.
      const left = endsAt - Date.now();
      const totalEnds = left <= deadlines.idleMs;
      const next = await withDeadline(iterator.next(), totalEnds ? left : deadlines.idleMs, () =>
        totalEnds
          ? `The upload took longer than ${Math.round(deadlines.totalMs / 1000)} s (IMPORT_DEADLINE_SECONDS); send the file faster or split it into several jobs.`
          : `The upload sent nothing for ${Math.round(deadlines.idleMs / 1000)} s (IMPORT_IDLE_SECONDS); send the file as one continuous body.`,
      );
      if (next.done) return;
      const chunk = next.value;
      bytes += chunk.byteLength;
      received.bytes = bytes;
      if (bytes > maxBytes)
        throw new ImportError(
          'TOO_LARGE',
          `The file is larger than the ${Math.round(maxBytes / 1048576)} MB import limit (IMPORT_MAX_BYTES); split it into several jobs.`,
        );
      hash.update(chunk);
      onBytes?.(bytes);
      yield chunk;
    }
  } finally {
    // Stops reading the request body (a refused file is not read to its end).
    void iterator.return?.()?.catch?.(() => {});
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ImportError('TOO_SLOW', message())), Math.max(0, ms));
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

type CopyState = { imported: number; rejected: number; errors: RowError[]; header: boolean };

/** Thrown inside the import transaction to roll the copy back when the same file was just imported. */
class DuplicateImport extends Error {
  readonly job: Job;
  readonly state: CopyState;
  constructor(job: Job, state: CopyState) {
    super('duplicate import');
    this.job = job;
    this.state = state;
  }
}

async function copyRows(
  client: postgres.TransactionSql,
  ids: { organizationId: number; jobId: number },
  rows: AsyncIterable<Row | RowError>,
): Promise<CopyState> {
  const state: CopyState = { imported: 0, rejected: 0, errors: [], header: false };
  const reject = (e: RowError) => {
    state.rejected++;
    // Messages quote the cell; PostgreSQL text cannot hold a NUL, so it is shown escaped.
    if (state.errors.length < KEPT_ROW_ERRORS)
      state.errors.push({ line: e.line, message: e.message.replace(/\u0000/g, '\\0') });
  };
  const query = client`copy recommendation_job_customers (organization_id, job_id, seq, line, customer_ref,
    online_shopping_paise, groceries_paise, dining_paise, travel_paise, fuel_paise, utilities_paise, other_paise, gmv_paise) from stdin`;
  const failed = copyFailure(query);
  const copy = await query.writable();
  let positions: Map<InputColumn, number> | undefined;
  let width = 0;
  let required = 0;
  const seen = new Map<string, number>();
  let batch = '';
  const prefix = `${ids.organizationId}\t${ids.jobId}\t`;
  try {
    for await (const row of rows) {
      if (!('cells' in row)) {
        reject(row);
        continue;
      }
      if (!positions) {
        const header = checkHeader(row.cells);
        if (!header.ok) throw new ImportError('BAD_HEADER', header.message);
        positions = header.positions;
        width = Math.max(...positions.values()) + 1;
        required = Math.max(...REQUIRED_COLUMNS.map((c) => positions!.get(c)!)) + 1;
        state.header = true;
        continue;
      }
      const trailing = row.cells.slice(width).filter((c) => c !== null && String(c).trim() !== '');
      // Only an optional last column (gmv) may be left off a row.
      if (trailing.length || row.cells.length < required) {
        reject({
          line: row.line,
          message: `the row has ${row.cells.length} values but the header has ${width} columns`,
        });
        continue;
      }
      const cols = positions;
      const parsed = parseCustomerRecord((column) => (cols.has(column) ? row.cells[cols.get(column)!] : undefined));
      if (!parsed.ok) {
        reject({ line: row.line, message: parsed.problems.map((p) => p.message).join('; ') });
        continue;
      }
      const ref = parsed.value.customerRef;
      if (seen.has(ref)) {
        reject({ line: row.line, message: `customer_ref ${ref} already appears on line ${seen.get(ref)}` });
        continue;
      }
      seen.set(ref, row.line);
      state.imported++;
      batch += `${prefix}${state.imported}\t${row.line}\t${customerTuple(parsed.value).map(copyText).join('\t')}\n`;
      if (batch.length >= 65_536) {
        if (!copy.write(batch)) await Promise.race([once(copy, 'drain'), failed]);
        batch = '';
      }
    }
    copy.end(batch);
    await Promise.race([finished(copy), failed]);
    // The CSV parser reports broken records as it reads ahead, so they can arrive out of order.
    state.errors.sort((a, b) => a.line - b.line);
  } catch (err) {
    copy.destroy();
    throw err;
  }
  return state;
}

// An import holds one pooled connection for as long as its upload lasts: a few slow uploads must not
// take the connections every other request needs. Per process, a quarter of the pool at most.
const importsRunning = new WeakMap<object, number>();

export async function importJob(
  deps: JobDeps,
  organizationId: number,
  createdBy: string | null,
  input: ImportInput,
): Promise<ImportResult> {
  const running = importsRunning.get(deps.db) ?? 0;
  if (running >= Math.max(1, Math.floor(deps.config.database.poolMax / 4))) {
    throw new ImportError(
      'BUSY',
      `${running} imports are running on this server already; send the file again in a few seconds.`,
    );
  }
  importsRunning.set(deps.db, running + 1);
  try {
    return await importOnce(deps, organizationId, createdBy, input);
  } finally {
    importsRunning.set(deps.db, (importsRunning.get(deps.db) ?? 1) - 1);
  }
}

async function importOnce(
  deps: JobDeps,
  organizationId: number,
  createdBy: string | null,
  input: ImportInput,
): Promise<ImportResult> {
  const provider = resolveProvider(deps.config, input.provider);
  const name = input.name?.trim() || null;
  const chunkSize = chunkSizeFor(deps.config, provider);
  const hash = createHash('sha256')
    .update(JSON.stringify({ source: input.format, provider, name }))
    .update('\n');
  const deadlines = { idleMs: deps.config.jobs.importIdleMs, totalMs: deps.config.jobs.importDeadlineMs };
  const received = { bytes: 0 };
  const bytes = Readable.from(
    metered(input.source, deps.config.jobs.importMaxBytes, hash, deadlines, received, input.onBytes),
    { objectMode: false },
  );
  try {
    return await deps.db.transaction(async (tx) => {
      // The COPY lasts as long as the upload does, far beyond the usual per-statement limit.
      await tx.execute(sql`set local statement_timeout = '1h'`);
      // The row must exist before its customers (foreign key); its totals are set once they are known.
      const [job] = await tx
        .insert(recommendationJobTable)
        .values({
          organizationId,
          name,
          source: input.format,
          provider,
          total: 1,
          chunkSize,
          chunkCount: 0,
          requestHash: 'importing',
          createdBy,
        })
        .returning();
      const client = transactionClient(tx);
      const rows = input.format === 'csv' ? csvRows(bytes) : xlsxRows(bytes, received);
      const state = await copyRows(client, { organizationId, jobId: job.id }, rows).catch((err: Error) => {
        if (err instanceof ImportError) throw err;
        // A library's own failure on a malformed file says nothing useful to the sender.
        const detail =
          err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError
            ? 'its structure is not a valid workbook'
            : err.message;
        throw new ImportError(
          'UNREADABLE',
          `The file could not be read as ${input.format.toUpperCase()}: ${detail}. Check that the file type matches its content.`,
        );
      });
      if (!state.header)
        throw new ImportError(
          'EMPTY_FILE',
          'The file is empty: expected a header line (customer_ref, online_shopping, groceries, dining, travel, fuel, utilities, other[, gmv]) and one customer per line.',
        );
      if (state.imported === 0) {
        throw new ImportError(
          'NO_VALID_ROWS',
          state.rejected
            ? `No customer could be imported: all ${state.rejected} rows were refused (see errors).`
            : 'The file has a header but no customer rows.',
          state.errors,
        );
      }
      const requestHash = hash.digest('hex');
      await lockRequest(tx, organizationId, requestHash);
      const duplicate = await findRecentDuplicate(tx, organizationId, requestHash, deps.config.jobs.dedupeSeconds);
      if (duplicate) throw new DuplicateImport(duplicate, state);
      const [updated] = await tx
        .update(recommendationJobTable)
        .set({
          total: state.imported,
          chunkCount: Math.ceil(state.imported / chunkSize),
          rejectedRows: state.rejected,
          requestHash,
        })
        .where(eq(recommendationJobTable.id, job.id))
        .returning();
      if (state.errors.length) {
        await tx.execute(sql`
          insert into recommendation_job_input_errors (organization_id, job_id, line, message)
          select ${organizationId}::int, ${job.id}::int, line, message
          from json_to_recordset(${JSON.stringify(state.errors)}::json) as e(line int, message text)
          on conflict do nothing`);
      }
      await planChunks(tx, deps.jobs, updated);
      return {
        job: updated,
        deduplicated: false,
        imported: state.imported,
        rejectedRows: state.rejected,
        errors: state.errors.slice(0, 100),
      };
    });
  } catch (err) {
    if (!(err instanceof DuplicateImport)) throw err;
    // The same file within the dedupe window: the copy was rolled back and the earlier job answers.
    return {
      job: err.job,
      deduplicated: true,
      imported: err.job.total,
      rejectedRows: err.job.rejectedRows,
      errors: err.state.errors.slice(0, 100),
    };
  }
}
