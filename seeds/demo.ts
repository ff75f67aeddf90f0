// The demo organization that `npm start` creates on an empty database: an admin user, a partner
// key and an internal key, a season of growers, packhouses and batches, a card catalog and a few courses. Idempotent.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  createApiKey,
  createOrganization,
  createUser,
  findOrganizationBySlug,
} from '../src/modules/identity/service.ts';
import { invalidateDerived } from '../src/cache/response-cache.ts';
import { refreshDailyIntake } from '../src/modules/packhouse/intake.ts';
import { seedCards } from './cards.ts';
import { seedDemoCourses } from './courses.ts';
import { seedLeads } from './leads.ts';
import { seedPackhouse } from './packhouse.ts';
import { seedPackhouseOperations } from './packhouse-operations.ts';

export const DEMO = {
  slug: 'demo',
  name: 'Demo Orchards',
  email: 'demo@harvest.example',
  password: 'demo-password-123',
  sizes: { growers: 40, packhouses: 6, batches: 2_000, payments: 500 },
  leads: 300,
};

export type DemoCredentials = { email: string; password: string; partnerKey?: string; internalKey?: string };

export async function seedDemo(
  deps: Parameters<typeof seedPackhouse>[0],
  options: { log: Logger; credentialsDir?: string },
): Promise<DemoCredentials> {
  const file = options.credentialsDir ? join(options.credentialsDir, 'demo-credentials.json') : undefined;
  const existing = await findOrganizationBySlug(deps.db, DEMO.slug);
  if (existing) {
    // Cards and courses came later than the demo organization: add any missing ones (idempotent).
    await seedCards(deps.db, existing.id);
    await seedDemoCourses(deps.db, existing.id);
    await seedLeads(deps.db, existing.id, DEMO.leads);
    const saved = file ? await readFile(file, 'utf8').then(JSON.parse, () => ({})) : {};
    return { email: DEMO.email, password: DEMO.password, ...saved };
  }
  options.log.info('empty database: creating the demo organization');
  const org = await createOrganization(deps.db, { slug: DEMO.slug, name: DEMO.name });
  const user = await createUser(deps.db, {
    organizationId: org.id,
    email: DEMO.email,
    name: 'Demo Admin',
    password: DEMO.password,
    role: 'admin',
  });
  const partner = await createApiKey(deps.db, org.id, {
    name: 'Demo partner',
    kind: 'partner',
    scopes: ['read', 'write'],
    createdByUserId: user.id,
  });
  const internal = await createApiKey(deps.db, org.id, {
    name: 'Demo internal',
    kind: 'internal',
    scopes: ['read', 'write', 'admin'],
    createdByUserId: user.id,
  });
  await seedPackhouse(deps, org.id, DEMO.sizes);
  await seedPackhouseOperations(deps, org.id, DEMO.sizes);
  await refreshDailyIntake(deps.db, { wait: true });
  if (deps.responseCache) await invalidateDerived({ responseCache: deps.responseCache }, ['DailyIntake']);
  await seedCards(deps.db, org.id);
  await seedDemoCourses(deps.db, org.id);
  await seedLeads(deps.db, org.id, DEMO.leads);
  const credentials = { partnerKey: partner.key, internalKey: internal.key };
  if (file && options.credentialsDir) {
    // Local demo only: keys are shown once, so keep them where the next `npm start` can print them.
    await mkdir(options.credentialsDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  }
  return { email: DEMO.email, password: DEMO.password, ...credentials };
}
