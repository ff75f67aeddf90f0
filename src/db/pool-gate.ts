// A bounded wait for a pool connection (docs/decisions/0020-fail-fast-when-the-database-is-away.md).
// postgres.js queues a query for as long as every connection is busy, and pipelines it behind
// whatever a busy connection runs (a lock wait included). In front of the pool, at most `permits`
// units of work hold it at once: a statement outside a transaction, a whole transaction (`begin`), a
// reserved connection. One that waits longer than `waitMs` for its turn fails with PoolWaitTimeout,
// answered as a retryable 503 (src/app.ts, src/http/responses.ts), and never reaches the pool, so a
// burst that the pool cannot serve leaves nothing behind it to slow down the requests after.
import type postgres from 'postgres';

type Sql = postgres.Sql;

export class PoolWaitTimeout extends Error {
  readonly code = 'POOL_WAIT_TIMEOUT';
  constructor(waitMs: number) {
    super(`no database connection became free within ${waitMs} ms`);
    this.name = 'PoolWaitTimeout';
  }
}

/** Whether `error` (or one of its causes: drizzle wraps them) is a PoolWaitTimeout. */
export function isPoolWaitTimeout(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 'POOL_WAIT_TIMEOUT') return true;
  }
  return false;
}

type Waiter = { grant: () => void; timer: NodeJS.Timeout };

/** First come, first served permits; a waiter gives up after `waitMs`. */
export class PoolGate {
  readonly permits: number;
  readonly waitMs: number;
  private free: number;
  private readonly waiters: Waiter[] = [];
  constructor(permits: number, waitMs: number) {
    this.permits = permits;
    this.waitMs = waitMs;
    this.free = permits;
  }

  /** Units waiting for a permit now (for tests and metrics). */
  get waiting(): number {
    return this.waiters.length;
  }

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i !== -1) this.waiters.splice(i, 1);
          reject(new PoolWaitTimeout(this.waitMs));
        }, this.waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.free = Math.min(this.permits, this.free + 1);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

type Dispatchable = Promise<unknown> & {
  executed: boolean;
  handle: () => Promise<void>;
  handler: (q: unknown) => void;
  reject: (e: unknown) => void;
  cursorRows?: number;
};

/**
 * A postgres.js query is dispatched to the pool once, from `handle()` (called by then, catch,
 * finally, execute and forEach): the permit is taken there, and given back when the query settles.
 */
function gateQuery<Q>(query: Q, gate: PoolGate): Q {
  if (!(query instanceof Promise) || !('handle' in query)) return query; // fragments and helpers, not queries
  const q = query as unknown as Dispatchable;
  q.handle = async function gatedHandle(this: Dispatchable) {
    if (this.executed) return;
    this.executed = true;
    // A cursor settles only when it is read to the end: it is left out rather than hold a permit.
    if (this.cursorRows) {
      await 1;
      this.handler(this);
      return;
    }
    try {
      await gate.acquire();
    } catch (err) {
      this.reject(err);
      return;
    }
    Promise.prototype.then.call(
      this,
      () => gate.release(),
      () => gate.release(),
    );
    this.handler(this);
  };
  return query;
}

/** `sql` with every unit of work behind `gate`; transactions' own `sql` (inside begin) is not gated. */
export function gatePool(sql: Sql, gate: PoolGate): Sql {
  // Made once, so `sql.unsafe` is the same function on every read (as on postgres.js's own client).
  const unsafe = (...args: Parameters<Sql['unsafe']>) => gateQuery(sql.unsafe(...args), gate);
  const begin = (...args: unknown[]) =>
    gate.run(() => (sql.begin as (...a: unknown[]) => Promise<unknown>).apply(sql, args));
  const reserve = async () => {
    await gate.acquire();
    try {
      const reserved = await sql.reserve();
      const release = reserved.release.bind(reserved);
      let released = false;
      reserved.release = () => {
        if (!released) {
          released = true;
          gate.release();
        }
        release();
      };
      return reserved;
    } catch (err) {
      gate.release();
      throw err;
    }
  };
  const wrapped: Partial<Record<PropertyKey, unknown>> = { unsafe, begin, reserve };
  return new Proxy(sql, {
    apply(target, thisArg, args: unknown[]) {
      return gateQuery(Reflect.apply(target, thisArg, args), gate);
    },
    get(target, property, receiver) {
      if (property in wrapped) return wrapped[property];
      return Reflect.get(target, property, receiver);
    },
  });
}
