// The partner scenario sends persisted operations only (APQ shape: extensions.persistedQuery.sha256Hash)
// from loadtest/partner-operations.json. Before a run we check that the server runs one for the
// partner key, so a server without persisted operations skips that scenario instead of failing it.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const MANIFEST_PATH = fileURLToPath(new URL('../partner-operations.json', import.meta.url));

/** `{ sha256(document): document }`, the usual persisted-documents manifest. */
export async function readManifest(path = MANIFEST_PATH): Promise<Record<string, string>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
}

export function documentHash(document: string): string {
  return createHash('sha256').update(document).digest('hex');
}

export async function probePersistedOperations(
  baseUrl: string,
  partnerKey: string,
): Promise<{ ok: boolean; reason: string }> {
  const manifest = await readManifest();
  const [hash, document] =
    Object.entries(manifest).find(([, doc]) => !doc.includes('$')) ?? Object.entries(manifest)[0];
  const name = /^(?:query|mutation)\s+(\w+)/.exec(document)?.[1];
  try {
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${partnerKey}` },
      body: JSON.stringify({
        operationName: name,
        variables: {},
        extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      }),
    });
    const body = (await res.json().catch(() => ({}))) as { data?: unknown; errors?: { message: string }[] };
    if (res.status === 200 && body.data && !body.errors) return { ok: true, reason: 'ran' };
    return { ok: false, reason: `HTTP ${res.status}: ${body.errors?.[0]?.message ?? 'no data'}` };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
