// The machine's CPU time from /proc/stat (Linux), to tell how much of it the hypervisor gave to other guests
// ("steal") while a run was measured: on a shared host that, not the client, is often what moves a latency figure.
import { readFileSync } from 'node:fs';

/** The machine's CPU ticks since boot (all CPUs): user, nice, system, idle, iowait, irq, softirq, steal; undefined off Linux. */
export function machineTicks() {
  try {
    const fields = readProcStat().split('\n')[0].trim().split(/\s+/);
    if (fields[0] !== 'cpu') return undefined;
    return fields.slice(1, 9).map(Number);
  } catch {
    return undefined;
  }
}

/** Shares of the machine's CPU time between two readings, in %: busy (ours and others'), idle, stolen. */
export function machineShares(from, to) {
  if (from === undefined || to === undefined) return undefined;
  const d = to.map((value, i) => value - from[i]);
  const total = d.reduce((sum, value) => sum + value, 0);
  if (!(total > 0)) return undefined;
  const idle = d[3] + d[4];
  const steal = d[7] ?? 0;
  return { busyPct: (100 * (total - idle - steal)) / total, idlePct: (100 * idle) / total, stealPct: (100 * steal) / total };
}

function readProcStat() {
  return readFileSync('/proc/stat', 'utf8');
}
