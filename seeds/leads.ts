// Demo leads: `count` deterministic leads (lead n is always the same lead) with their creation event
// and their push to the built-in CRM, and an "Onboarding" workflow. Idempotent: a second run adds nothing, a
// larger count adds only the missing leads. Four statements whatever the count.
import { and, eq, sql } from 'drizzle-orm';
import { LEAD_SOURCES, LEAD_STATUSES, workflowDefinitionTable } from '../src/db/tables/index.ts';
import type { Db } from '../src/resources.ts';
import { saveDefinition } from '../src/modules/workflows/service.ts';

const FIRST = [
  'Aroha',
  'Ben',
  'Chloe',
  'Dev',
  'Ema',
  'Finn',
  'Grace',
  'Hemi',
  'Isla',
  'Jack',
  'Kiri',
  'Liam',
  'Maia',
  'Noah',
  'Olivia',
  'Pita',
];
const LAST = [
  'Walker',
  'Ngata',
  'Smith',
  'Patel',
  'Wong',
  'Brown',
  'Tane',
  'Wilson',
  'Singh',
  'Taylor',
  'Parata',
  'Chen',
];
const COMPANIES = [
  'Kowhai Orchards',
  'Rata Fresh',
  'Totara Fruit Co',
  'Manuka Growers',
  'Pohutukawa Packers',
  'Harakeke Exports',
  'Kauri Cold Chain',
  'Rimu Retail',
];

export const DEMO_WORKFLOW = [
  { key: 'enrich', kind: 'enrich' as const },
  { key: 'score', kind: 'score' as const },
  {
    key: 'hot',
    kind: 'branch' as const,
    condition: { field: 'score' as const, op: 'gte' as const, value: '50' },
    then: 'assign',
    else: 'nurture',
  },
  { key: 'nurture', kind: 'notify' as const, message: 'Add to the nurture sequence' },
  { key: 'assign', kind: 'assign' as const, owners: ['aroha', 'ben', 'chloe'] },
  { key: 'follow-up', kind: 'wait' as const, seconds: 3600 },
  { key: 'call', kind: 'notify' as const, message: 'Call within a day' },
];

export async function seedLeads(db: Db, organizationId: number, count = 300): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => {
    const first = FIRST[i % FIRST.length];
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
    const company = i % 4 === 3 ? null : COMPANIES[i % COMPANIES.length];
    return {
      name: `${first} ${last}`,
      email:
        `${first}.${last}.${i + 1}@${company ? company.toLowerCase().replace(/[^a-z]+/g, '') : 'gmail'}.example.com`.toLowerCase(),
      phone: i % 3 === 0 ? null : `+64 21 ${String(500000 + i * 37).slice(-6)}`,
      company,
      source: LEAD_SOURCES[i % LEAD_SOURCES.length],
      status: LEAD_STATUSES[i % 7 < 4 ? (i % 7) % 3 : i % 5],
    };
  });
  await db.transaction(async (tx) => {
    const inserted = await tx.execute<{ id: number; status: string }>(sql`
      insert into leads (organization_id, name, email, phone, company, source, status, created_at)
      select ${organizationId}, r.name, r.email, r.phone, r.company, r.source, r.status, now() - make_interval(hours => r.n)
      from jsonb_to_recordset(${JSON.stringify(rows.map((r, n) => ({ ...r, n })))}::jsonb)
        as r(name text, email text, phone text, company text, source text, status text, n int)
      on conflict do nothing
      returning id, status`);
    const ids = (inserted as unknown as { id: number }[]).map((r) => r.id);
    if (!ids.length) return;
    const list = `{${ids.join(',')}}`;
    await tx.execute(sql`
      insert into lead_events (organization_id, lead_id, kind, to_status, actor_kind)
      select organization_id, id, 'created', status, 'system' from leads where id = any(${list}::int[])`);
    // Demo leads start in the built-in CRM already (their push recorded, their sync SYNCED), so a
    // fresh `npm start` shows synced leads and its worker is idle when the first request comes.
    await tx.execute(sql`
      insert into crm_pushes (organization_id, lead_id, version, payload)
      select organization_id, id, version, jsonb_build_object('name', name, 'email', email, 'status', status) from leads where id = any(${list}::int[])`);
    await tx.execute(sql`
      insert into lead_crm_sync (lead_id, organization_id, connector, state, wanted_version, synced_version, synced_at)
      select id, organization_id, 'builtin', 'synced', version, version, now() from leads where id = any(${list}::int[])`);
  });
  const [existing] = await db
    .select({ id: workflowDefinitionTable.id })
    .from(workflowDefinitionTable)
    .where(
      and(eq(workflowDefinitionTable.organizationId, organizationId), eq(workflowDefinitionTable.name, 'Onboarding')),
    );
  if (!existing) await saveDefinition(db, organizationId, 'Onboarding', DEMO_WORKFLOW);
}
