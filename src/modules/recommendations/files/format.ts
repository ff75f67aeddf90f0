// The file formats of job imports and exports, and the one rule that tells which a file is in.
export const FILE_FORMATS = ['csv', 'xlsx'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const FILE_CONTENT_TYPES: Record<FileFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: XLSX_CONTENT_TYPE,
};

/**
 * Which format a file is in, from what its sender says, first hint first: a format named outright
 * (`?format=`), the file's name, its content type. Null when none of them names a format we read.
 */
export function fileFormatOf(hints: {
  format?: string | null;
  fileName?: string | null;
  contentType?: string | null;
}): FileFormat | null {
  const named = hints.format?.toLowerCase();
  if (named === 'csv' || named === 'xlsx') return named;
  const extension = /\.(csv|xlsx)$/i.exec(hints.fileName ?? '')?.[1].toLowerCase();
  if (extension === 'csv' || extension === 'xlsx') return extension;
  const type = hints.contentType?.toLowerCase() ?? '';
  if (type.startsWith(XLSX_CONTENT_TYPE)) return 'xlsx';
  if (type.startsWith('text/csv')) return 'csv';
  return null;
}
