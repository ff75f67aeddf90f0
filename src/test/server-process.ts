// Starts `node src/main.ts` as a real child process (as `npm start` does) and waits for its banner.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type ServerProcess = {
  url: string;
  demoKey: string | undefined;
  output: () => string;
  readyMs: number;
  /** Sends the signal and resolves with the exit code and how long the process took to exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
};

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A new temporary directory and the environment of a zero-setup `npm start` on it: no DATABASE_URL
 * and no REDIS_URL, so the server runs its own PostgreSQL under the directory, on a free port. The
 * caller removes the directory.
 */
export async function embeddedStartEnv(prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // Run as root, PostgreSQL runs as the `postgres` user, which must be able to enter the directory.
  await chmod(dir, 0o755);
  const env = {
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    EMBEDDED_PG_DIR: join(dir, 'postgres'),
    EMBEDDED_PG_PORT: String(await freePort()),
  };
  return { dir, env };
}

/** `via: 'npm'` runs `npm start` from the project's root instead, as a newcomer does. */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  timeoutMs = 120_000,
  via: 'node' | 'npm' = 'node',
): Promise<ServerProcess> {
  const started = performance.now();
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const child: ChildProcess =
    via === 'npm'
      ? spawn('npm', ['start'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [MAIN], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /GraphiQL:\s+(http:\/\/\S+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    // The banner is on stdout beside pretty logs (a terminal), on stderr beside JSON logs (here).
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${output}`));
    });
  });
  const readyMs = performance.now() - started;
  return {
    url,
    readyMs,
    demoKey: /Demo API key[^:]*: (hgk_\S+)/.exec(output)?.[1],
    output: () => output,
    async stop(signal = 'SIGTERM') {
      const t0 = performance.now();
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return { code, ms: performance.now() - t0 };
    },
  };
}
