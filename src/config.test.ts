// Configuration: defaults for a fresh laptop, and every bad value reported at once with its fix.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('needs nothing on a fresh laptop: embedded database, memory cache, generated JWT key', () => {
    const config = loadConfig({});
    expect(config.database.url).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.auth.jwtSecretGenerated).toBe(true);
    expect(config.seedDemo).toBe(true);
    expect(config.port).toBe(4000);
    expect(config.http.maxBodyBytes).toBe(1024 * 1024);
  });

  it('reports every problem at once, each naming the variable and the fix', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'http://r',
        JWT_SECRET: 'short',
        LOG_LEVEL: 'loud',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.find((p) => p.startsWith('PORT='))).toMatch(/whole number.*set PORT to a TCP port/);
    expect(problems.find((p) => p.startsWith('DATABASE_URL='))).toMatch(
      /postgres:\/\/.*unset it to use the embedded PostgreSQL/,
    );
    expect(problems.find((p) => p.startsWith('REDIS_URL='))).toMatch(/redis:\/\//);
    expect(problems.find((p) => p.startsWith('JWT_SECRET='))).toMatch(/at least 32 characters.*openssl rand/);
    expect(problems.find((p) => p.startsWith('LOG_LEVEL='))).toMatch(/one of fatal/);
  });

  it('workers run at niceness 10 by default; WORKER_NICE outside 0-19 is refused with its fix', () => {
    expect(loadConfig({}).jobs.workerNice).toBe(10);
    expect(loadConfig({ WORKER_NICE: '0' }).jobs.workerNice).toBe(0);
    for (const bad of ['20', '-1', 'low']) {
      expect(() => loadConfig({ WORKER_NICE: bad })).toThrow(`WORKER_NICE="${bad}"`);
      expect(() => loadConfig({ WORKER_NICE: bad })).toThrow('set WORKER_NICE to the scheduling niceness');
    }
  });

  it('production requires a database and a JWT key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET is required in production[\s\S]*DATABASE_URL is required/,
    );
  });

  it('production hides diagnostic headers unless asked', () => {
    const env = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://db/x' };
    expect(loadConfig(env).http.diagnosticHeaders).toBe(false);
    expect(loadConfig({ ...env, DIAGNOSTIC_HEADERS: 'true' }).http.diagnosticHeaders).toBe(true);
  });
});
