// Leads through the API: writes with history and their CRM outbox row, the refusals (bad e-mail or
// phone, duplicate e-mail in any case, unknown moves), Idempotency-Key, search and pagination, and
// the statement count of a list with each lead's latest workflow run, on the compiled read path and
// through the resolvers.
import { describe, expect } from 'vitest';
import { expectResolversAgree } from '../../test/compiled.ts';
import { appTest, type AppFixtures } from '../../test/fixtures.ts';
import { CREATE_LEAD, createLead, leadInput, saveDefinition, startRuns } from '../../test/leads.ts';
import { decodeGlobalId } from '../../lib/global-id.ts';
import { pruneLeadBookkeeping } from './retention.ts';

const it = appTest({ tenant: 'leads' });

const local = (id: string) => Number(decodeGlobalId(id).id);
/** Rows of the tenant in a table. */
const count = async ({ h, t }: AppFixtures, table: string) =>
  (
    await h.resources
      .sql`select count(*)::int as n from ${h.resources.sql(table)} where organization_id = ${t.organizationId}`
  )[0].n as number;

describe('writes', () => {
  it('createLead answers at once with a PENDING CRM sync, a history event and one outbox row, in one transaction', async ({
    h,
    t,
  }) => {
    const lead = await createLead(h, t.partnerKey, { phone: '+64 21 555 0100' });
    expect(lead).toMatchObject({ status: 'NEW', version: 1, crmSync: { state: 'PENDING', attempts: 0 } });
    const [sync] = await h.resources
      .sql`select state, wanted_version from lead_crm_sync where lead_id = ${local(lead.id)}`;
    expect(sync).toEqual({ state: 'pending', wanted_version: 1 });
    const r = await h.gql(
      `query($id: ID!) { lead(id: $id) { history(first: 5) { edges { node { kind toStatus actor { kind } } } } } }`,
      {
        auth: t.partnerKey,
        variables: { id: lead.id },
      },
    );
    expect(r.body.data.lead.history.edges.map((e: any) => e.node)).toEqual([
      { kind: 'CREATED', toStatus: 'NEW', actor: { kind: 'API_KEY' } },
    ]);
  });

  it('updateLead and changeLeadStatus bump the version, keep one outbox row and write history', async ({ h, t }) => {
    const lead = await createLead(h, t.partnerKey);
    const up = await h.gql(
      `mutation($id: ID!) { updateLead(id: $id, input: { company: "Orchard Co", owner: "ana" }) { __typename ... on MutationUpdateLeadSuccess { data { version company owner } } } }`,
      {
        auth: t.partnerKey,
        variables: { id: lead.id },
      },
    );
    expect(up.body.data.updateLead.data).toEqual({ version: 2, company: 'Orchard Co', owner: 'ana' });
    for (const status of ['CONTACTED', 'QUALIFIED', 'WON']) {
      const r = await h.gql(
        `mutation($id: ID!, $s: LeadStatus!) { changeLeadStatus(id: $id, status: $s) { __typename ... on MutationChangeLeadStatusSuccess { data { status } } } }`,
        {
          auth: t.partnerKey,
          variables: { id: lead.id, s: status },
        },
      );
      expect(r.body.data.changeLeadStatus.data.status).toBe(status);
    }
    const rows = await h.resources.sql`select wanted_version from lead_crm_sync where lead_id = ${local(lead.id)}`;
    expect(rows).toEqual([{ wanted_version: 5 }]);
    const r = await h.gql(
      `query($id: ID!) { lead(id: $id) { history(first: 10) { edges { node { kind fromStatus toStatus changedFields } } } } }`,
      { auth: t.partnerKey, variables: { id: lead.id } },
    );
    expect(r.body.data.lead.history.edges.map((e: any) => e.node.kind)).toEqual([
      'STATUS_CHANGED',
      'STATUS_CHANGED',
      'STATUS_CHANGED',
      'UPDATED',
      'CREATED',
    ]);
    expect(r.body.data.lead.history.edges[3].node.changedFields.sort()).toEqual(['company', 'owner']);
    // History is append-only: the database refuses to edit or delete an event.
    await expect(
      h.resources.sql`update lead_events set note = 'edited' where lead_id = ${local(lead.id)}`,
    ).rejects.toThrow(/append-only/);
    await expect(h.resources.sql`delete from lead_events where lead_id = ${local(lead.id)}`).rejects.toThrow(
      /append-only/,
    );
  });
});

describe('bad input is a typed error and writes nothing', () => {
  it('invalid e-mails and phone numbers name their field', async ({ h, t }) => {
    const before = await count({ h, t }, 'leads');
    for (const email of ['not-an-email', 'a@b', 'two@@example.com', 'space in@example.com', 'x@example.123', '']) {
      const r = await h.gql(CREATE_LEAD, { auth: t.partnerKey, variables: { input: leadInput({ email }) } });
      expect(r.body.data.createLead, email).toMatchObject({ __typename: 'ValidationError', field: 'input.email' });
    }
    for (const phone of ['12', 'call me', '+1 (555) 010-0199-1234-5678']) {
      const r = await h.gql(CREATE_LEAD, { auth: t.partnerKey, variables: { input: leadInput({ phone }) } });
      expect(r.body.data.createLead, phone).toMatchObject({ __typename: 'ValidationError', field: 'input.phone' });
    }
    expect(await count({ h, t }, 'leads')).toBe(before);
  });

  it('a duplicate e-mail in any case is DuplicateLeadError naming the existing lead', async ({ h, t }) => {
    const first = await createLead(h, t.partnerKey, { email: 'Grace.Hopper@Navy.example.org' });
    const before = [
      await count({ h, t }, 'leads'),
      await count({ h, t }, 'lead_events'),
      await count({ h, t }, 'lead_crm_sync'),
    ];
    for (const email of [
      'grace.hopper@navy.example.org',
      'GRACE.HOPPER@NAVY.EXAMPLE.ORG',
      '  Grace.Hopper@navy.example.org ',
    ]) {
      const r = await h.gql(CREATE_LEAD, { auth: t.partnerKey, variables: { input: leadInput({ email }) } });
      expect(r.body.data.createLead).toMatchObject({
        __typename: 'DuplicateLeadError',
        field: 'input.email',
        existingLead: { id: first.id },
      });
    }
    const other = await createLead(h, t.partnerKey);
    const up = await h.gql(
      `mutation($id: ID!) { updateLead(id: $id, input: { email: "GRACE.hopper@navy.example.org" }) { __typename ... on DuplicateLeadError { existingLead { id } } } }`,
      {
        auth: t.partnerKey,
        variables: { id: other.id },
      },
    );
    expect(up.body.data.updateLead).toEqual({ __typename: 'DuplicateLeadError', existingLead: { id: first.id } });
    expect([
      await count({ h, t }, 'leads'),
      await count({ h, t }, 'lead_events'),
      await count({ h, t }, 'lead_crm_sync'),
    ]).toEqual(before.map((n, i) => n + (i === 2 || i === 0 || i === 1 ? 1 : 0)));
    // Another tenant may hold the same e-mail.
    const u = await h.tenant('other-leads');
    await createLead(h, u.partnerKey, { email: 'grace.hopper@navy.example.org' });
  });

  it('an unknown status move is a ValidationError on status and changes nothing', async ({ h, t }) => {
    const lead = await createLead(h, t.partnerKey);
    const moves = `mutation($id: ID!, $s: LeadStatus!) { changeLeadStatus(id: $id, status: $s) { __typename ... on ValidationError { field message } } }`;
    const skip = await h.gql(moves, { auth: t.partnerKey, variables: { id: lead.id, s: 'WON' } });
    expect(skip.body.data.changeLeadStatus).toMatchObject({ __typename: 'ValidationError', field: 'status' });
    expect(skip.body.data.changeLeadStatus.message).toContain('CONTACTED or LOST');
    await h.gql(moves, { auth: t.partnerKey, variables: { id: lead.id, s: 'LOST' } });
    const final = await h.gql(moves, { auth: t.partnerKey, variables: { id: lead.id, s: 'CONTACTED' } });
    expect(final.body.data.changeLeadStatus.message).toContain('final');
    const notAStatus = await h.gql(moves, { auth: t.partnerKey, variables: { id: lead.id, s: 'MAYBE' } });
    expect(notAStatus.body.errors?.[0].message).toContain('LeadStatus');
    const [row] = await h.resources.sql`select status, version from leads where id = ${local(lead.id)}`;
    expect(row).toEqual({ status: 'lost', version: 2 });
  });
});

describe('Idempotency-Key', () => {
  it('the same key and body return the same lead; another body is IdempotencyKeyReusedError', async ({ h, t }) => {
    const input = leadInput();
    const headers = { 'idempotency-key': `create-${Date.now()}` };
    const send = (body: Record<string, unknown>) =>
      h.gql(CREATE_LEAD, { auth: t.partnerKey, variables: { input: body }, headers });
    const [a, b] = await Promise.all([send(input), send(input)]);
    expect(a.body.data.createLead.data.id).toBe(b.body.data.createLead.data.id);
    const again = await send(input);
    expect(again.body.data.createLead.data.id).toBe(a.body.data.createLead.data.id);
    const other = await send({ ...input, name: 'Someone else' });
    expect(other.body.data.createLead).toMatchObject({
      __typename: 'IdempotencyKeyReusedError',
      key: headers['idempotency-key'],
    });
    const [{ n }] = await h.resources
      .sql`select count(*)::int as n from leads where organization_id = ${t.organizationId} and lower(email) = lower(${input.email})`;
    expect(n).toBe(1);
  });
});

describe('reads', () => {
  it('search finds words in name, e-mail or company; filters and cursors page through', async ({ h }) => {
    const u = await h.tenant('search');
    await createLead(h, u.partnerKey, { name: 'Kowhai Orchards buyer', company: 'Kowhai Orchards' });
    await createLead(h, u.partnerKey, {
      name: 'Rata Fresh',
      email: 'sales@kowhaigroup.example.org',
      source: 'REFERRAL',
    });
    await createLead(h, u.partnerKey, { name: 'Unrelated', company: 'Totara' });
    const q = `query($f: LeadFilter, $after: String) { leads(first: 1, filter: $f, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`;
    const p1 = await h.gql(q, { auth: u.partnerKey, variables: { f: { search: 'KOWHAI' } } });
    expect(p1.body.data.leads.pageInfo.hasNextPage).toBe(true);
    const p2 = await h.gql(q, {
      auth: u.partnerKey,
      variables: { f: { search: 'kowhai' }, after: p1.body.data.leads.pageInfo.endCursor },
    });
    expect([p1, p2].map((p) => p.body.data.leads.edges[0].node.name).sort()).toEqual([
      'Kowhai Orchards buyer',
      'Rata Fresh',
    ]);
    expect(p2.body.data.leads.pageInfo.hasNextPage).toBe(false);
    const both = await h.gql(q, {
      auth: u.partnerKey,
      variables: { f: { search: 'kowhai fresh', source: 'REFERRAL' } },
    });
    expect(both.body.data.leads.edges.map((e: any) => e.node.name)).toEqual(['Rata Fresh']);
    const short = await h.gql(q, { auth: u.partnerKey, variables: { f: { search: 'ko' } } });
    expect(short.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const wild = await h.gql(q, { auth: u.partnerKey, variables: { f: { search: '%%%' } } });
    expect(wild.body.data.leads.edges).toEqual([]);
  });

  it('50 leads with their latest workflow run and its current step: 1 statement compiled, 3 through the resolvers', async ({
    h,
  }) => {
    const u = await h.tenant('counted');
    const leads = [];
    for (let i = 0; i < 50; i++) leads.push(await createLead(h, u.partnerKey));
    const definition = await saveDefinition(h, u.partnerKey, [
      { key: 'later', kind: 'wait', seconds: 3600 },
      { key: 'done', kind: 'notify', message: 'x' },
    ]);
    await startRuns(
      h,
      u.partnerKey,
      definition.id,
      leads.slice(0, 40).map((l) => l.id),
    );
    await startRuns(
      h,
      u.partnerKey,
      definition.id,
      leads.slice(0, 10).map((l) => l.id),
    );
    const query = `{ leads(first: 50) { edges { node { name status crmSync { state } workflowRuns(first: 1) { edges { node { status progress currentStep { key kind } } } } } } } }`;
    const r = await h.gql(query, { auth: u.partnerKey });
    expect(r.body.errors).toBeUndefined();
    expect(r.headers.get('x-read-path')).toBe('compiled');
    const edges = r.body.data.leads.edges;
    expect(edges).toHaveLength(50);
    expect(edges.filter((e: any) => e.node.workflowRuns.edges.length === 1)).toHaveLength(40);
    expect(
      edges.find((e: any) => e.node.workflowRuns.edges.length)?.node.workflowRuns.edges[0].node.currentStep,
    ).toEqual({ key: 'later', kind: 'WAIT' });
    // Compiled: one statement builds the whole answer.
    expect(r.statements).toBe(1);
    // Resolvers: leads, their CRM sync rows, their latest runs (the current step is on the run row).
    await expectResolversAgree(h, r, query, { auth: u.partnerKey }, 3);
  });
});

describe('retention', () => {
  it('the prune deletes Idempotency-Keys and CRM event ids past their retention, and nothing newer', async ({ h }) => {
    const t = await h.tenant('retention');
    const create = (input: Record<string, unknown>, key: string) =>
      h.gql(CREATE_LEAD, { auth: t.partnerKey, variables: { input }, headers: { 'idempotency-key': key } });
    const [oldInput, newInput] = [leadInput(), leadInput()];
    const [oldKey, newKey] = [`old-${Date.now()}`, `new-${Date.now()}`];
    const first = await create(oldInput, oldKey);
    const kept = await create(newInput, newKey);
    const { retention } = h.resources.config;
    await h.resources.sql`
      update idempotency_keys set created_at = now() - make_interval(hours => ${retention.idempotencyKeyHours + 1})
      where organization_id = ${t.organizationId} and key = ${oldKey}`;
    await h.resources.sql`
      insert into crm_webhook_events (organization_id, connector, event_id, occurred_at, outcome, received_at)
      values (${t.organizationId}, 'builtin', 'old-event', now(), 'applied', now() - make_interval(days => ${retention.crmEventDays + 1})),
             (${t.organizationId}, 'builtin', 'new-event', now(), 'applied', now())`;

    expect(await pruneLeadBookkeeping(h.resources.db, retention)).toEqual({ idempotencyKeys: 1, crmEvents: 1 });
    expect(await pruneLeadBookkeeping(h.resources.db, retention)).toEqual({ idempotencyKeys: 0, crmEvents: 0 });

    const keys = await h.resources.sql`select key from idempotency_keys where organization_id = ${t.organizationId}`;
    expect(keys.map((r) => r.key)).toEqual([newKey]);
    const events = await h.resources
      .sql`select event_id from crm_webhook_events where organization_id = ${t.organizationId}`;
    expect(events.map((r) => r.event_id)).toEqual(['new-event']);
    // The kept key still answers with its lead; the forgotten one runs the request afresh, which the
    // lead it made refuses as a duplicate.
    expect((await create(newInput, newKey)).body.data.createLead.data.id).toBe(kept.body.data.createLead.data.id);
    expect((await create(oldInput, oldKey)).body.data.createLead).toMatchObject({
      __typename: 'DuplicateLeadError',
      existingLead: { id: first.body.data.createLead.data.id },
    });
  });
});
