// PostGraphile V5 (Amber preset) over the prepared database, for the side-by-side benchmark.
// Tenancy: a HS256 JWT (the same claims our sign-in tokens carry) verified in-process; its
// organization becomes `jwt.claims.organization_id` for row-level security, under a non-superuser
// role. Every statement PostGraphile sends through `pg` is counted and served at /__bench/stats.
//   DATABASE_URL=… JWT_SECRET=… node loadtest/compare/postgraphile-server.ts
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { VISITOR_ROLE } from './postgraphile-db.ts';

const databaseUrl = process.env.DATABASE_URL;
const secret = process.env.JWT_SECRET;
if (!databaseUrl || !secret) throw new Error('set DATABASE_URL and JWT_SECRET');

let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

function organizationFromJwt(authorization: string | undefined): string {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) throw new Error('missing bearer token');
  const [header, payload, signature] = token.split('.');
  const expected = createHmac('sha256', secret as string)
    .update(`${header}.${payload}`)
    .digest();
  const given = Buffer.from(signature ?? '', 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad token signature');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { org?: number; exp?: number };
  if (!claims.exp || claims.exp * 1000 < Date.now() || !Number.isSafeInteger(claims.org))
    throw new Error('token expired or without organization');
  return String(claims.org);
}

// Same pool size and session settings as our API (src/resources.ts).
const pool = new pg.Pool({
  connectionString: databaseUrl,
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
  options: '-c jit=off -c statement_timeout=5000',
});

const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      pool,
      schemas: ['public'],
      pgSettings: (ctx) => ({
        role: VISITOR_ROLE,
        'jwt.claims.organization_id': organizationFromJwt(ctx.node?.req.headers.authorization),
      }),
    }),
  ],
  // outputDataAsString: grafast writes the response JSON as text, its fastest documented configuration.
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false, outputDataAsString: true },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const handler = serv.createHandler();
const server = createServer((req, res) => {
  if (req.url === '/__bench/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ statements }));
    return;
  }
  if (req.url === '/__bench/schema') {
    Promise.resolve(pgl.getSchema()).then(async (schema) => {
      const { printSchema } = await import('postgraphile/graphql');
      res.end(printSchema(schema));
    });
    return;
  }
  handler(req, res);
});
server.keepAliveTimeout = 65_000;
await pgl.getSchema();
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`Listening: http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
const stop = () => {
  server.close();
  server.closeIdleConnections();
  void Promise.resolve(pgl.release())
    .then(() => pool.end())
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
