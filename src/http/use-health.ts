// /health: the process answers. /ready: PostgreSQL (and Redis when configured) answer and every
// migration is applied, so a load balancer only sends traffic to instances that can serve it.
import type { AppPlugin } from './edge.ts';
import { migrationsAreCurrent } from '../db/migrate.ts';
import { withFallback } from '../lib/timeout.ts';
import type { Resources } from '../resources.ts';

export function useHealth(resources: Pick<Resources, 'sql' | 'redis'>): AppPlugin {
  return {
    async onRequest({ url, endResponse }) {
      if (url.pathname === '/health') {
        endResponse(Response.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));
      } else if (url.pathname === '/ready') {
        const [postgres, migrations, redis] = await Promise.all([
          withFallback(
            resources.sql`select 1`.then(() => true),
            2_000,
            false,
          ),
          withFallback(migrationsAreCurrent(resources.sql), 2_000, false),
          resources.redis
            ? withFallback(
                resources.redis.ping().then(() => true),
                1_000,
                false,
              )
            : Promise.resolve(null),
        ]);
        const ready = postgres && migrations && redis !== false;
        endResponse(
          Response.json(
            {
              status: ready ? 'ready' : 'unavailable',
              checks: { postgres, migrations, redis: redis ?? 'not configured' },
            },
            { status: ready ? 200 : 503 },
          ),
        );
      }
    },
  };
}
