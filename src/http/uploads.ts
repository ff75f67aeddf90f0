// Mutations that may be sent as multipart/form-data (the GraphQL multipart request spec). Only these:
// a multipart request must carry a preflight header (X-GraphQL-Yoga-CSRF or Apollo-Require-Preflight,
// src/http/use-csrf-prevention.ts), must select only fields listed here, and may be up to
// MAX_UPLOAD_BYTES instead of MAX_BODY_BYTES. With the set empty, multipart is refused with 415 and
// yoga's multipart parser is off.
export const UPLOAD_MUTATIONS: ReadonlySet<string> = new Set<string>([
  // A CSV or XLSX file of customers (src/modules/recommendations/files/schema.ts, at most 10 MB of file).
  'importRecommendationJob',
]);
