// `k6`: check, group, sleep, fail, randomSeed.
import { baseTags, currentVu, groupPath, runtime, vuScope } from '../runtime.ts';
import type { Tags } from '../metrics.ts';

type Checks<T> = Record<string, ((value: T) => unknown) | unknown>;

export function check<T>(value: T, checks: Checks<T>, tags: Tags = {}): boolean {
  const vu = currentVu();
  const metric = runtime.registry.get('checks', 'rate');
  const path = groupPath(vu);
  let byName = runtime.checks.get(path);
  if (!byName) runtime.checks.set(path, (byName = new Map()));
  let all = true;
  for (const [name, predicate] of Object.entries(checks)) {
    let ok: boolean;
    try {
      const result = typeof predicate === 'function' ? predicate(value) : predicate;
      if (result && typeof (result as { then?: unknown }).then === 'function') {
        throw new Error(`check "${name}" returned a promise: k6 checks must be synchronous.`);
      }
      ok = Boolean(result);
    } catch (err) {
      if ((err as Error).message.startsWith(`check "${name}" returned`)) throw err;
      // A predicate that throws (e.g. res.json() on an HTML error page) is a failed check.
      ok = false;
    }
    metric.add(ok ? 1 : 0, { ...baseTags(vu), check: name, ...tags });
    const counts = byName.get(name) ?? { passes: 0, fails: 0 };
    if (ok) counts.passes += 1;
    else counts.fails += 1;
    byName.set(name, counts);
    all &&= ok;
  }
  return all;
}

/** Like k6, a group's callback must be synchronous: k6 cannot follow a group across an await. */
export function group<T>(name: string, fn: () => T): T {
  if (name.includes('::')) throw new Error(`group name "${name}" must not contain "::".`);
  const vu = currentVu();
  const inner = vu ? { ...vu, groups: [...vu.groups, name] } : undefined;
  const started = performance.now();
  const result = inner ? vuScope.run(inner, fn) : fn();
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    throw new Error(
      `group "${name}" got an async callback; k6 does not support that. Await outside the group, then check inside it.`,
    );
  }
  runtime.registry.get('group_duration', 'trend', 'time').add(performance.now() - started, baseTags(inner));
  return result;
}

export function sleep(): never {
  throw new Error(
    'sleep() blocks the VU and cannot run here: use `await new Promise((r) => setTimeout(r, ms))` (k6 0.52+ has setTimeout).',
  );
}

export function fail(message = ''): never {
  throw new Error(message);
}

export function randomSeed(): void {}

export default { check, group, sleep, fail, randomSeed };
