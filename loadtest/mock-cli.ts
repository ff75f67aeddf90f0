// What the mock servers (mock-crm.ts, mock-provider.ts) share when run as a script (npm run mock:…).

/** The number after `--name` on the command line, if there is one. */
export function flag(args: string[], name: string): number | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : undefined;
}

/**
 * Announces a started mock (on stdout, and to a parent process that forked it), and on SIGINT or
 * SIGTERM prints its stats as one JSON line, closes it and exits.
 */
export function serveUntilSignalled(mock: { url: string; stats(): unknown; close(): Promise<void> }, banner: string) {
  process.stdout.write(`${banner}\n`);
  process.send?.({ url: mock.url });
  const stop = async () => {
    process.stdout.write(`${JSON.stringify(mock.stats())}\n`);
    await mock.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
