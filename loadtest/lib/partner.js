// Partner traffic: persisted operations only, sent by hash (APQ shape) with an API key whose
// allow-list is the manifest (loadtest/partner-operations.json). The script that imports this reads
// the manifest with open() in its init context and hands it over.
import { checkResponse, persisted, pick, required, weighted } from './graphql.js';

export function partnerOperations(manifest) {
  const byName = {};
  for (const [hash, document] of Object.entries(manifest)) {
    const name = /^\s*(?:query|mutation)\s+(\w+)/.exec(document)[1];
    byName[name] = hash;
  }
  return byName;
}

const STATUSES = ['RECEIVED', 'GRADED', 'PACKED', 'DISPATCHED'];

export function partnerSetup() {
  return { key: required('PARTNER_KEY') };
}

export async function partnerIteration(hashes, data) {
  const name = weighted([
    [10, 'PartnerViewer'],
    [50, 'PartnerBatchesByStatus'],
    [40, 'PartnerGrowerDeliveries'],
  ]);
  const variables =
    name === 'PartnerBatchesByStatus'
      ? { status: pick(STATUSES), first: 50 }
      : name === 'PartnerGrowerDeliveries'
        ? { first: 25 }
        : {};
  const res = await persisted(hashes[name], name, variables, data.key);
  checkResponse(res, name);
}

export const PARTNER_OPERATIONS = ['PartnerViewer', 'PartnerBatchesByStatus', 'PartnerGrowerDeliveries'];
