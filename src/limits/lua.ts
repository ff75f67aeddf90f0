// Lua scripts on Redis, run by hash: EVALSHA, falling back to EVAL (which also caches the script)
// when Redis answers NOSCRIPT, as it does after a restart or SCRIPT FLUSH.
import { createHash } from 'node:crypto';
import type { Redis } from '../resources.ts';

export type LuaScript = { source: string; sha: string };

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export function runLua(redis: Redis, script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
  const options = { keys, arguments: args.map(String) };
  return redis.evalSha(script.sha, options).catch((err: Error) => {
    if (/NOSCRIPT/.test(err.message)) return redis.eval(script.source, options);
    throw err;
  });
}
