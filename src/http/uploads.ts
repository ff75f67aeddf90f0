// Mutations that may be sent as multipart/form-data (the GraphQL multipart request spec), e.g. a
// CSV or XLSX file of customers. Empty: multipart is refused with 415 and yoga's multipart parser is
// off. To allow one mutation, add its root field name here: then a multipart request must carry a
// preflight header (X-GraphQL-Yoga-CSRF or Apollo-Require-Preflight, src/http/use-csrf-prevention.ts),
// must select only fields listed here, and may be up to MAX_UPLOAD_BYTES instead of MAX_BODY_BYTES.
export const UPLOAD_MUTATIONS: ReadonlySet<string> = new Set<string>([]);
