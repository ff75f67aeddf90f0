// GraphQL for job files: importRecommendationJob takes a CSV or XLSX file as a multipart request.
// Larger files go to POST /jobs/import (src/http/use-recommendation-files.ts), which streams them.
import { principalKey } from '../../../context.ts';
import { builder, ErrorInterface } from '../../../schema/builder.ts';
import { mutation } from '../../../schema/mutations.ts';
import { InputRowErrorRef, jobDeps, ProviderEnum, RecommendationJobRef, type JobPayload } from '../jobs/schema.ts';
import { fileFormatOf } from './format.ts';
import { ImportError, importJob } from './import.ts';

const ImportPayload = builder.objectRef<JobPayload>('ImportRecommendationJobPayload').implement({
  fields: (t) => ({
    job: t.field({ type: RecommendationJobRef, resolve: (p) => p.job }),
    deduplicated: t.exposeBoolean('deduplicated'),
    imported: t.int({ resolve: (p) => p.imported ?? 0 }),
    rejectedRows: t.int({ resolve: (p) => p.rejectedRows ?? 0 }),
    errors: t.field({
      type: [InputRowErrorRef],
      description: 'The first 100 refused rows.',
      resolve: (p) => p.errors ?? [],
    }),
  }),
});

builder.objectType(ImportError, {
  name: 'ImportRefused',
  description:
    'The whole file was refused (empty, unknown or missing columns, nothing importable, too large); nothing was imported.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    code: t.exposeString('code'),
    errors: t.field({ type: [InputRowErrorRef], resolve: (e) => e.errors.slice(0, 100) }),
  }),
});

// The multipart request is buffered whole by the server before a resolver sees it, and the import
// must finish within the request deadline (REQUEST_TIMEOUT_MS), so this path takes moderate files
// (10 MB imports in about 5 s); bigger ones go to POST /jobs/import, which streams and has no deadline.
export const MULTIPART_MAX_BYTES = 10 * 1024 * 1024;

mutation('importRecommendationJob', {
  type: ImportPayload,
  errors: [ImportError],
  description: `Imports customers from a CSV or XLSX file sent as a multipart request (up to ${MULTIPART_MAX_BYTES / 1048576} MB; POST bigger files to /jobs/import).`,
  args: (arg) => ({
    file: arg({ type: 'File', required: true }),
    name: arg.string(),
    provider: arg({ type: ProviderEnum }),
  }),
  resolve: async ({ file, name, provider }, ctx, org) => {
    const format = fileFormatOf({ fileName: file.name, contentType: file.type }) ?? 'csv';
    if (file.size > MULTIPART_MAX_BYTES) {
      throw new ImportError(
        'TOO_LARGE',
        `The file is ${Math.round(file.size / 1048576)} MB; upload files over ${MULTIPART_MAX_BYTES / 1048576} MB to POST /jobs/import, which streams them.`,
      );
    }
    return importJob(jobDeps(ctx), org, principalKey(ctx.principal), {
      source: file.stream() as unknown as AsyncIterable<Uint8Array>,
      format,
      name,
      provider,
    });
  },
});
