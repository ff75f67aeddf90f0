// npm run db:migrate: applies pending migrations to DATABASE_URL (or the embedded database).
import { loadConfigOrExit } from '../config.ts';
import { createLogger } from '../resources.ts';
import { openDatabase } from './embedded.ts';

const config = loadConfigOrExit();
const { embedded, applied } = await openDatabase(config, createLogger(config));
process.stdout.write(applied ? `applied ${applied} migration(s)\n` : 'database schema is current\n');
await embedded?.stop();
