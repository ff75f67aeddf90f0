// Helpers for tests that create batches through GraphQL.

/** The ids a BatchInput needs: the first grower and the first packhouse of the caller's organization. */
export const BATCH_REFS = `{ growers(first: 1) { edges { node { id } } } packhouses(first: 1) { edges { node { id } } } }`;

type RefsData = { growers: { edges: { node: { id: string } }[] }; packhouses: { edges: { node: { id: string } }[] } };

/** The grower and packhouse ids of a BATCH_REFS answer's data. */
export function batchRefs(data: RefsData): { grower: string; packhouse: string } {
  return { grower: data.growers.edges[0].node.id, packhouse: data.packhouses.edges[0].node.id };
}

/** A BatchInput: 100 kg of apples harvested on 2025-03-05 and taken in the next day, unless `fields` say otherwise. */
export function batchInput(
  refs: { grower: string; packhouse: string },
  fields: { code: string } & Record<string, unknown>,
) {
  return {
    ...refs,
    fruitType: 'APPLE',
    harvestDate: '2025-03-05',
    intakeDate: '2025-03-06',
    grossWeightKg: '100',
    ...fields,
  };
}
