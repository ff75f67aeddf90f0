// Plans of the statements our services really send: a drizzle client that records each statement
// instead of counting it, and EXPLAIN (FORMAT JSON) of a recorded statement, flattened for checks.
import { drizzle } from 'drizzle-orm/postgres-js';
import * as tables from '../db/tables/index.ts';
import type { Db, Sql } from '../resources.ts';

export type Statement = { query: string; params: unknown[] };

export function recordingDb(sql: Sql): { db: Db; statements: Statement[] } {
  const statements: Statement[] = [];
  const db = drizzle(sql, {
    schema: tables,
    logger: { logQuery: (query, params) => void statements.push({ query, params }) },
  });
  return { db, statements };
}

export type PlanNode = { nodeType: string; relation?: string; index?: string };

function flatten(node: Record<string, any>, out: PlanNode[] = []): PlanNode[] {
  out.push({ nodeType: node['Node Type'], relation: node['Relation Name'], index: node['Index Name'] });
  for (const child of node.Plans ?? []) flatten(child, out);
  return out;
}

/** Every node of the statement's plan, depth first. */
export async function planOf(sql: Sql, statement: Statement): Promise<PlanNode[]> {
  const [row] = await sql.unsafe(`explain (format json) ${statement.query}`, statement.params as never[]);
  const plan = row['QUERY PLAN'] as [{ Plan: Record<string, any> }];
  return flatten(plan[0].Plan);
}

export function describePlan(nodes: PlanNode[]): string {
  return nodes
    .map((n) => `${n.nodeType}${n.relation ? ` on ${n.relation}` : ''}${n.index ? ` using ${n.index}` : ''}`)
    .join(' → ');
}

/** The plan of the one statement `work` sends (through a recording client); another count is an error. */
export async function planOfWork(sql: Sql, work: (db: Db) => Promise<unknown>): Promise<PlanNode[]> {
  const { db, statements } = recordingDb(sql);
  await work(db);
  if (statements.length !== 1)
    throw new Error(`expected one statement, got ${statements.length}: ${statements.map((s) => s.query).join('; ')}`);
  return planOf(sql, statements[0]);
}
