// PostGraphile's side of the comparison gets its own database with the same migrations and the same
// seeded data as ours, plus what PostGraphile needs to serve it with the same tenancy rule: row-level
// security on organization_id, read from the JWT claim PostGraphile sets per transaction, for a
// non-superuser role (superusers bypass RLS). Smart tags name the relations as our schema does.
import postgres from 'postgres';

export const VISITOR_ROLE = 'hg_bench_visitor';
const TENANT_TABLES = ['growers', 'packhouses', 'batches'];
const HIDDEN_TABLES = ['organizations', 'users', 'api_keys', 'revoked_tokens'];

export async function preparePostGraphileDatabase(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    // Roles are cluster-wide: create ours once, and only grant within this database.
    await sql.unsafe(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${VISITOR_ROLE}') then create role ${VISITOR_ROLE} nologin; end if;
    end $$`);
    await sql.unsafe(`grant usage on schema public to ${VISITOR_ROLE}`);
    const claim = `current_setting('jwt.claims.organization_id', true)::int`;
    for (const table of TENANT_TABLES) {
      await sql.unsafe(`grant select on ${table} to ${VISITOR_ROLE}`);
      await sql.unsafe(`alter table ${table} enable row level security`);
      await sql.unsafe(`drop policy if exists tenant_isolation on ${table}`);
      await sql.unsafe(
        `create policy tenant_isolation on ${table} using (organization_id = ${claim}) with check (organization_id = ${claim})`,
      );
      await sql.unsafe(`alter table ${table} alter column organization_id set default ${claim}`);
    }
    await sql.unsafe(
      `grant insert (code, name, region, contact_email), update (code, name, region, contact_email) on growers to ${VISITOR_ROLE}`,
    );
    for (const table of HIDDEN_TABLES) {
      if (table === 'revoked_tokens') {
        const [exists] = await sql`select to_regclass('public.revoked_tokens') is not null as e`;
        if (!exists.e) continue;
      }
      await sql.unsafe(`comment on table ${table} is '@behavior -*'`);
    }
    // The organization is implied by the JWT, as it is by our API key: not a field clients see.
    for (const table of TENANT_TABLES) await sql.unsafe(`comment on column ${table}.organization_id is '@behavior -*'`);
    await sql.unsafe(
      `comment on constraint batches_grower_fk on batches is E'@fieldName grower\\n@foreignFieldName batches'`,
    );
    await sql.unsafe(
      `comment on constraint batches_packhouse_fk on batches is E'@fieldName packhouse\\n@foreignFieldName batches'`,
    );
    await sql.unsafe(`comment on constraint growers_organization_id_id_key on growers is '@behavior -*'`);
    await sql.unsafe(`comment on constraint packhouses_organization_id_id_key on packhouses is '@behavior -*'`);
    await sql`analyze`;
  } finally {
    await sql.end();
  }
}
