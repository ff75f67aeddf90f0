// A job's results as CSV or XLSX, streamed: rows are read 2,000 at a time by seq range (short queries,
// no cursor held open across the download) and written as they come, so a 200,000-customer export
// needs memory for one batch, not the file. One row per customer, in input order, with its top
// cards side by side (an XLSX sheet holds at most 1,048,576 rows, so one row per card would not fit).
// XLSX goes through src/lib/xlsx-writer.ts, which streams; exceljs's writer holds the sheet whole.
import { PassThrough, Readable } from 'node:stream';
import { cellXml, column, createXlsxWriter, textCellTail } from '../../../lib/xlsx-writer.ts';
import { rupeesFromPaise } from '../../../lib/money.ts';
import type { Sql } from '../../../resources.ts';
import type { FileFormat } from './format.ts';
import { shownCardFields } from './stored-cards.ts';
import { TOP_N } from '../catalog/scoring.ts';

export type ExportFormat = FileFormat;

export const EXPORT_COLUMNS = [
  'customer_ref',
  'status',
  ...Array.from({ length: TOP_N }, (_, i) => [
    `card_${i + 1}`,
    `card_${i + 1}_name`,
    `card_${i + 1}_net_savings`,
  ]).flat(),
  'failure_reason',
  'failure_detail',
  'attempts',
];

type ResultRow = {
  seq: number;
  customer_ref: string;
  status: string;
  /** The stored cards' JSON text (read by shownCardFields); null for a failed customer. */
  cards: string | null;
  reason: string | null;
  detail: string | null;
  attempts: number;
};

// 500 a batch was 0.6 s slower on a 200,000-row export; the heap the batches leave behind is held
// down by the old generation's growth limit (docs/decisions/0034).
const BATCH = 2_000;

// Batches are seq ranges, not `seq > after limit n`: right after a job's 200,000 rows are written the
// table has no statistics yet, and the planner answered `limit` with a bitmap scan and a sort of
// every row past `after` (the whole job for the first batch), making the export quadratic. A range
// bounds each batch to its own rows whatever the planner knows. Seqs are dense (1..total), so a
// range holds at most BATCH rows; ranges are walked up to the job's last stored seq.
//
// The stored cards come back as their text (a json column, decision 0033): PostgreSQL sends it as it
// is, where jsonb had to be rendered again (about 1.9 s of the database's time for 200,000 customers;
// jsonb_path_query_array cutting out the three fields the file shows took as long), and the three
// fields are read from the text without parsing it (stored-cards.ts). The next batch is asked for
// while the current one is written, so the database and the writer work at the same time; at most
// one batch waits, however slowly the file is downloaded.
async function* resultBatches(sql: Sql, job: { id: number; organizationId: number }): AsyncGenerator<ResultRow[]> {
  const [{ last }] = await sql<{ last: number | null }[]>`
    select max(seq) as last from recommendation_results where job_id = ${job.id} and organization_id = ${job.organizationId}`;
  if (last === null) return;
  const batch = (after: number) => {
    const rows = sql<ResultRow[]>`
      select seq, customer_ref, status, recommendations::text as cards, reason, detail, attempts
      from recommendation_results
      where job_id = ${job.id} and organization_id = ${job.organizationId} and seq > ${after} and seq <= ${after + BATCH}
      order by seq`.execute();
    // Awaited below; a download abandoned meanwhile must not leave its rejection unhandled.
    rows.catch(() => {});
    return rows;
  };
  let next: Promise<ResultRow[]> | null = batch(0);
  for (let after = 0; next; after += BATCH) {
    const rows: ResultRow[] = await next;
    next = after + BATCH < last ? batch(after + BATCH) : null;
    if (rows.length) yield rows;
  }
}

function cells(row: ResultRow): (string | number)[] {
  const out: (string | number)[] = [row.customer_ref, row.status];
  const shown = row.cards === null ? [] : shownCardFields(row.cards);
  for (let i = 0; i < TOP_N; i++) {
    const has = i * 3 < shown.length;
    out.push(
      has ? (shown[i * 3] as string) : '',
      has ? (shown[i * 3 + 1] as string) : '',
      has ? rupeesFromPaise(shown[i * 3 + 2] as number) : '',
    );
  }
  out.push(row.reason ?? '', row.detail ?? '', row.attempts);
  return out;
}

// A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is written as text with a
// leading apostrophe, as OWASP advises for CSV injection; plain numbers such as -1.50 stay numbers.
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: string | number): string {
  const raw = String(value);
  const text = typeof value === 'string' && FORMULA_START.test(raw) && !/^-?\d+(\.\d+)?$/.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function* csvLines(
  sql: Sql,
  job: { id: number; organizationId: number },
  onRows?: (n: number) => void,
): AsyncGenerator<string> {
  yield `${EXPORT_COLUMNS.join(',')}\n`;
  for await (const rows of resultBatches(sql, job)) {
    yield `${rows.map((r) => cells(r).map(csvField).join(',')).join('\n')}\n`;
    onRows?.(rows.length);
  }
}

// Column letters of the export, once.
const LETTERS = EXPORT_COLUMNS.map((_, i) => column(i));

// Card codes and names repeat on every row (a catalog holds tens of cards): the XML after each one's
// cell reference is made once per export, not once per cell (at most this many texts are kept).
const CARD_TEXTS_KEPT = 10_000;

/**
 * The row's cells as sheet XML, the same as addRow would write for cells(row) with each net saving
 * a decimal cell (a number, digit for digit), built at once: 200,000 rows of 35 cells made 14
 * million short-lived values otherwise.
 */
function xlsxRowWriter(): (row: ResultRow, n: number) => string {
  const tails = new Map<string, string>();
  const cardText = (ref: string, text: string) => {
    if (text === '') return '';
    let tail = tails.get(text);
    if (tail === undefined) {
      tail = textCellTail(text);
      if (tails.size < CARD_TEXTS_KEPT) tails.set(text, tail);
    }
    return `<c r="${ref}${tail}`;
  };
  return (row, n) => {
    let xml = cellXml(`A${n}`, row.customer_ref) + cellXml(`B${n}`, row.status);
    const shown = row.cards === null ? [] : shownCardFields(row.cards);
    const count = Math.min(shown.length / 3, TOP_N);
    for (let i = 0; i < count; i++) {
      // rupeesFromPaise writes a plain decimal (-12.50), which decimalXml would only check again.
      xml +=
        cardText(`${LETTERS[2 + i * 3]}${n}`, shown[i * 3] as string) +
        cardText(`${LETTERS[3 + i * 3]}${n}`, shown[i * 3 + 1] as string) +
        `<c r="${LETTERS[4 + i * 3]}${n}"><v>${rupeesFromPaise(shown[i * 3 + 2] as number)}</v></c>`;
    }
    const at = 2 + TOP_N * 3;
    return (
      xml +
      cellXml(`${LETTERS[at]}${n}`, row.reason ?? '') +
      cellXml(`${LETTERS[at + 1]}${n}`, row.detail ?? '') +
      cellXml(`${LETTERS[at + 2]}${n}`, row.attempts)
    );
  };
}

async function writeXlsx(
  sql: Sql,
  job: { id: number; organizationId: number },
  out: PassThrough,
  onRows?: (n: number) => void,
) {
  const xlsx = await createXlsxWriter(out, 'recommendations');
  await xlsx.addRow(EXPORT_COLUMNS);
  const xlsxRow = xlsxRowWriter();
  for await (const rows of resultBatches(sql, job)) {
    await xlsx.addRowsXml(rows, xlsxRow);
    onRows?.(rows.length);
  }
  await xlsx.finish();
  out.end();
}

/** The export as a byte stream; the caller has checked that the job belongs to the caller. */
export function exportResults(
  sql: Sql,
  job: { id: number; organizationId: number },
  format: ExportFormat,
  onRows?: (n: number) => void,
): Readable {
  if (format === 'csv') return Readable.from(csvLines(sql, job, onRows), { objectMode: false });
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  writeXlsx(sql, job, out, onRows).catch((err) => out.destroy(err));
  return out;
}
