import { createTestDatabase, ensureTemplateDatabase } from '../src/test/db.ts';
import { seedLoadTestTenant, startApiProcess, stopProcess } from './runner/target.ts';
import { preparePostGraphileDatabase } from './compare/postgraphile-db.ts';
const db = await createTestDatabase(await ensureTemplateDatabase());
try {
  const t = await seedLoadTestTenant(db.url, 'x'.repeat(40), { growers: 20, packhouses: 3, batches: 300, quiet: true });
  await preparePostGraphileDatabase(db.url);
  const { child, url } = await startApiProcess({ DATABASE_URL: db.url, JWT_SECRET: 'x'.repeat(40) }, { entry: 'loadtest/compare/postgraphile-server.ts' });
  child.stderr?.on('data', (c) => process.stderr.write(c));
  const schema = await (await fetch(`${url}/__bench/schema`)).text();
  console.log(schema.slice(0, 200));
  (await import('node:fs')).writeFileSync('/tmp/pgl-schema.graphql', schema);
  const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.userToken}` }, body: JSON.stringify({ query: '{ allGrowers(first: 2) { nodes { rowId code name } totalCount } }' }) });
  console.log(r.status, await r.text());
  console.log(await (await fetch(`${url}/__bench/stats`)).text());
  await stopProcess(child);
} finally { await db.drop(); }
