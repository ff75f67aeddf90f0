// k6 durations: "60s", "1m30s", "500ms", "2h", or a number of milliseconds.
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)(ms|us|µs|s|m|h)/;
  const unit: Record<string, number> = { ms: 1, us: 0.001, µs: 0.001, s: 1000, m: 60_000, h: 3_600_000 };
  while (rest) {
    const m = part.exec(rest);
    if (!m) throw new Error(`"${value}" is not a duration such as 30s, 1m30s or 500ms.`);
    total += Number(m[1]) * unit[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}
