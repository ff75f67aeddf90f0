// `k6/crypto`: the digests the scripts use (persisted operation hashes).
import { createHash } from 'node:crypto';

type Encoding = 'hex' | 'base64';

export function sha256(input: string, encoding: Encoding): string {
  return createHash('sha256').update(input).digest(encoding);
}

export default { sha256 };
