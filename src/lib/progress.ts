// Progress for long work (seeding, imports, exports, benchmarks): a live bar on a terminal, a line
// every 10% otherwise, so CI logs stay short.
export type Progress = { add(n: number): void; done(message?: string): void };

export function createProgress(
  label: string,
  total: number,
  out: NodeJS.WriteStream | null = process.stderr,
): Progress {
  if (!out) return { add() {}, done() {} };
  const started = performance.now();
  let current = 0;
  let lastDecile = -1;
  let lastDraw = 0;
  const line = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = current / Math.max(seconds, 0.001);
    const pct = total ? Math.min(100, (current / total) * 100) : 100;
    const eta = rate > 0 && total > current ? `, ~${Math.ceil((total - current) / rate)} s left` : '';
    return `${label}: ${current.toLocaleString('en')}/${total.toLocaleString('en')} (${pct.toFixed(0)}%, ${Math.round(rate).toLocaleString('en')}/s${eta})`;
  };
  return {
    add(n) {
      current += n;
      if (out.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100 && current < total) return;
        lastDraw = now;
        const width = 30;
        const filled = total ? Math.round((Math.min(current, total) / total) * width) : width;
        out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line()}\x1b[K`);
      } else {
        const decile = total ? Math.floor((current / total) * 10) : 10;
        if (decile !== lastDecile) {
          lastDecile = decile;
          out.write(`${line()}\n`);
        }
      }
    },
    done(message) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      out.write(
        `${out.isTTY ? '\r\x1b[K' : ''}${label}: ${message ?? `${current.toLocaleString('en')} done`} in ${seconds} s\n`,
      );
    },
  };
}
