// Checks of a rate limiter's decisions against "at most `limit` in any `ms`", from the client's view.
// A decision happened somewhere between sending (s) and the answer (r), so both checks flag only what
// is certain whatever the timing inside that span:
//   overAllowed:    limit + 1 allowed requests whose decisions all fit inside less than one window;
//   wronglyRefused: a refused request that no possible timing of the allowed ones could explain.
export type Shot = { s: number; r: number; allowed: boolean };
export type WindowRule = { limit: number; ms: number };

export function overAllowed(shots: Shot[], w: WindowRule): Shot[][] {
  const allowed = shots.filter((x) => x.allowed).sort((a, b) => a.s - b.s);
  const found: Shot[][] = [];
  for (let k = 0; k + w.limit < allowed.length; k++) {
    const group = allowed.slice(k, k + w.limit + 1);
    if (Math.max(...group.map((x) => x.r)) - group[0].s < w.ms) found.push(group);
  }
  return found;
}

export function wronglyRefused(shots: Shot[], windows: WindowRule[]): Shot[] {
  const allowed = shots.filter((x) => x.allowed);
  return shots.filter(
    (x) => !x.allowed && windows.every((w) => allowed.filter((a) => a.r > x.s - w.ms && a.s <= x.r).length < w.limit),
  );
}
