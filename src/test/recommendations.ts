// Helpers for the recommendation tests: a tenant with the seed catalog, generated customers, waiting
// for a job through the API, and the answers the built-in scorer gives for the same customers.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { MockProviderStats } from '../../loadtest/mock-provider.ts';
import { customerInput, customerRow } from '../../seeds/customers.ts';
import { SEED_CATALOG, seedCards } from '../../seeds/cards.ts';
import { rupeesFromPaise } from '../lib/money.ts';
import type { Harness, Tenant } from './harness.ts';
import { recommend } from '../modules/recommendations/catalog/scoring.ts';

export async function catalogTenant(h: Harness, name: string): Promise<Tenant> {
  const t = await h.tenant(name);
  await seedCards(h.resources.db, t.organizationId);
  return t;
}

export function customerInputs(count: number, start = 0, seed = 1) {
  return Array.from({ length: count }, (_, i) => customerInput(customerRow(seed, start + i)));
}

/** What the built-in scorer recommends for generated customer i: [code, net savings] by rank. */
export function expectedTop(i: number, seed = 1): [string, string][] {
  const c = customerRow(seed, i);
  return recommend(SEED_CATALOG, { customerRef: c.customerRef, spend: c.spendPaise, gmv: c.gmvPaise }).map((r) => [
    r.code,
    rupeesFromPaise(r.netSavingsPaise),
  ]);
}

export const SUBMIT = `mutation($input: SubmitRecommendationJobInput!) {
  submitRecommendationJob(input: $input) {
    __typename
    ... on MutationSubmitRecommendationJobSuccess { data { deduplicated job { id status total } } }
    ... on ValidationError { message field issues { field message } }
  }
}`;

export const JOB = `query($id: ID!) { recommendationJob(id: $id) { id status total done failed pending ratePerSecond etaSeconds startedAt finishedAt } }`;

export async function submit(h: Harness, auth: string, input: Record<string, unknown>) {
  const r = await h.gql(SUBMIT, { auth, variables: { input } });
  expect(r.body.errors).toBeUndefined();
  const out = r.body.data.submitRecommendationJob;
  expect(out.__typename).toBe('MutationSubmitRecommendationJobSuccess');
  return out.data;
}

export async function waitForJob(h: Harness, auth: string, id: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await h.gql(JOB, { auth, variables: { id } });
    const job = r.body.data?.recommendationJob;
    if (job && (job.status === 'COMPLETED' || job.status === 'CANCELLED')) return job;
    if (Date.now() > until)
      throw new Error(`job ${id} still ${job?.status} after ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const RESULTS = `query($id: ID!, $first: Int, $after: String, $status: RecommendationResultStatus) {
  recommendationJob(id: $id) {
    results(first: $first, after: $after, status: $status) {
      edges { node { customerRef status attempts recommendations { rank cardCode netSavings yearlyRewards fees } failure { reason detail attempts } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export type ResultNode = {
  customerRef: string;
  status: 'SCORED' | 'FAILED';
  attempts: number;
  recommendations: { rank: number; cardCode: string; netSavings: string; yearlyRewards: string; fees: string }[];
  failure: { reason: string; detail: string; attempts: number } | null;
};

/** Every result of a job, paging through the connection. */
export async function allResults(
  h: Harness,
  auth: string,
  id: string,
  status?: 'SCORED' | 'FAILED',
): Promise<ResultNode[]> {
  const out: ResultNode[] = [];
  let after: string | null = null;
  for (;;) {
    const r = await h.gql(RESULTS, { auth, variables: { id, first: 1000, after, status } });
    expect(r.body.errors).toBeUndefined();
    const page: { edges: { node: ResultNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } =
      r.body.data.recommendationJob.results;
    out.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

/** The rule every finished customer obeys: at most 10 cards, ranked by net savings descending, none negative. */
export function expectValidRanking(node: ResultNode) {
  expect(node.recommendations.length).toBeLessThanOrEqual(10);
  node.recommendations.forEach((r, i) => {
    expect(r.rank).toBe(i + 1);
    expect(r.netSavings.startsWith('-')).toBe(false);
    if (i) expect(Number(node.recommendations[i - 1].netSavings)).toBeGreaterThanOrEqual(Number(r.netSavings));
  });
}

/**
 * The mock provider in a process of its own: it times arrivals on an event loop that the workers and
 * the test do not stall, so what it counts per second is what was sent.
 */
export async function startMockProcess(args: string[]) {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('../../loadtest/mock-provider.ts', import.meta.url)),
    ['--port', '0', ...args],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [null])])) as [
    { url: string } | null,
  ];
  if (!message) throw new Error('the mock provider exited before it was ready');
  const base = message.url.replace('/v1/score', '');
  const get = async <T>(path: string): Promise<T> => (await fetch(`${base}${path}`)).json() as Promise<T>;
  return {
    url: message.url,
    stats: () => get<MockProviderStats>('/stats'),
    keys: () => get<{ inFlight: string[]; calls: Record<string, number> }>('/keys'),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
