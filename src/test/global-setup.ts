// Runs once per `vitest` run: makes sure a migrated template database exists for this exact set of
// migrations, drops test databases left behind by runs that crashed hours ago, and writes the partners'
// typed documents where a fresh checkout has none yet (they are build output, like `npm run typecheck`
// writes them: docs/decisions/0032-typed-partner-documents-are-build-output.md).
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { PARTNERS } from '../../codegen.ts';
import { ensureTemplateDatabase, dropStaleTestDatabases } from './db.ts';

const typedDocuments = (partner: string) => new URL(`../../seeds/persisted/${partner}/graphql.ts`, import.meta.url);

export default async function setup(project: TestProject) {
  if (PARTNERS.some((partner) => !existsSync(typedDocuments(partner)))) {
    const { writeManifests } = await import('../../seeds/persisted/codegen.ts');
    await writeManifests({ clientsOnly: true });
  }
  const template = await ensureTemplateDatabase();
  await dropStaleTestDatabases();
  project.provide('templateDatabase', template);
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
