// Relay global ids: base64url("Typename:localId"). Decoding never throws a raw error: a malformed id
// is the client's mistake and gets a BAD_USER_INPUT naming it.
import { badUserInput } from './errors.ts';

export const INT4_MAX = 2_147_483_647;

export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
}

export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const text = /^[A-Za-z0-9_-]{1,200}={0,2}$/.test(globalId) ? Buffer.from(globalId, 'base64url').toString('utf8') : '';
  const match = /^([A-Z][A-Za-z0-9]*):([0-9]{1,12})$/.exec(text);
  if (!match) throw badUserInput(`"${globalId.slice(0, 64)}" is not a valid id. Use an id returned by this API.`);
  // Every table's ids are int4 from 1: a larger one names nothing, like 0, and reads as 0 so that each
  // lookup, filter and mutation finds nothing instead of PostgreSQL refusing the value.
  return { typename: match[1], id: Number(match[2]) > INT4_MAX ? '0' : match[2] };
}

/** Decodes a global id that must name a `typename`; returns the numeric local id. */
export function localId(globalId: string, typename: string): number {
  const decoded = decodeGlobalId(globalId);
  if (decoded.typename !== typename) {
    throw badUserInput(`Expected the id of a ${typename}, got the id of a ${decoded.typename}.`);
  }
  return Number(decoded.id);
}

/** The local id a global id gives for a `typename`, or null when it is malformed or names another type. */
export function localIdOrNull(globalId: string, typename: string): number | null {
  try {
    return localId(globalId, typename);
  } catch {
    return null;
  }
}
