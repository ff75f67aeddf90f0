// Runs once per `vitest` run: makes sure a migrated template database exists for this exact set of
// migrations, and drops test databases left behind by runs that crashed hours ago.
import type { TestProject } from 'vitest/node';
import { ensureTemplateDatabase, dropStaleTestDatabases } from './db.ts';

export default async function setup(project: TestProject) {
  const template = await ensureTemplateDatabase();
  await dropStaleTestDatabases();
  project.provide('templateDatabase', template);
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
