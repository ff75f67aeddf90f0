// What a request costs beyond its latency: CPU time of the server process and of the PostgreSQL
// backends serving its database (from /proc, Linux only).
import { readFile } from 'node:fs/promises';
import type postgres from 'postgres';

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

export async function cpuMsOf(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export type Snapshot = { serverCpuMs: number; backendCpuMs: Map<number, number> };

export async function snapshot(admin: postgres.Sql, serverPid: number, database: string): Promise<Snapshot> {
  const pids = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database}`;
  const backendCpuMs = new Map<number, number>();
  for (const { pid } of pids) {
    const ms = await cpuMsOf(pid);
    if (ms !== null) backendCpuMs.set(pid, ms);
  }
  return { serverCpuMs: (await cpuMsOf(serverPid)) ?? 0, backendCpuMs };
}

/** CPU ms spent between two snapshots; a backend that appeared in between started from zero. */
export function cost(before: Snapshot, after: Snapshot): { serverCpuMs: number; postgresCpuMs: number } {
  let postgresCpuMs = 0;
  for (const [pid, ms] of after.backendCpuMs) postgresCpuMs += ms - (before.backendCpuMs.get(pid) ?? 0);
  return { serverCpuMs: after.serverCpuMs - before.serverCpuMs, postgresCpuMs };
}
