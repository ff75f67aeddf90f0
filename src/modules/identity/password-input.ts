// The password of `npm run user:create`: asked for twice on a terminal without echo, or read from
// stdin when it is a pipe (scripts), so it never appears in the shell history or the process list.
import type { CliIo } from '../../cli/command.ts';
import { CliError } from '../../cli/command.ts';

/** Reads one line from a raw-mode terminal without echoing it; Ctrl-C aborts. */
function askHidden(io: CliIo, prompt: string): Promise<string> {
  const { stdin } = io;
  io.stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (error?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004')
          return finish(new CliError('Cancelled: no user created.', { exitCode: 130 }));
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1);
        else text += char;
      }
    };
    stdin.on('data', onData);
  });
}

async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += String(chunk);
  return text;
}

export async function readPassword(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) {
    const first = await askHidden(io, 'Password (12+ characters): ');
    const again = await askHidden(io, 'Same password again: ');
    if (first !== again) throw new CliError('The two passwords differ: no user created.');
    return first;
  }
  // One trailing newline is the shell's (`echo`), not part of the password.
  const password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  if (!password) {
    throw new CliError(
      'No password on stdin. Pipe it in (printf \'%s\' "$PASSWORD" | npm run user:create -- …) or run the command on a terminal to be asked.',
    );
  }
  return password;
}
