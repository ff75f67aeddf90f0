// A private redis-server for tests that stop, stall or kill Redis: never the machine's shared one.
// Listens on 127.0.0.1, on the first free port of 8080-8099, keeps nothing on disk.
import { spawn, type ChildProcess } from 'node:child_process';

export type RedisServer = {
  port: number;
  url: string;
  /** SIGSTOP: the socket stays open and nothing answers, like a Redis stuck in a long command. */
  stall(): void;
  resume(): void;
  /** SIGKILL: connections are refused. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty). */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

function launch(port: number): Promise<ChildProcess | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(child);
    });
    child.once('error', (err) =>
      reject(new Error(`redis-server could not start (${err.message}); install the redis-server package`)),
    );
    child.once('exit', () => resolve(null));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  for (let port = 8080; port < 8100; port++) {
    let child = await launch(port);
    if (!child) continue;
    const exited = (c: ChildProcess) =>
      new Promise<void>((resolve) =>
        c.exitCode !== null || c.signalCode ? resolve() : c.once('exit', () => resolve()),
      );
    return {
      port,
      url: `redis://127.0.0.1:${port}`,
      stall: () => child?.kill('SIGSTOP'),
      resume: () => child?.kill('SIGCONT'),
      async kill() {
        child?.kill('SIGKILL');
        if (child) await exited(child);
      },
      async restart() {
        child = await launch(port);
        if (!child) throw new Error(`redis-server did not start again on port ${port}`);
      },
      async stop() {
        if (!child || child.exitCode !== null) return;
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        await exited(child);
      },
    };
  }
  throw new Error('no free port in 8080-8099 for a private redis-server');
}
