/**
 * What the machine itself did during a bench: the share of CPU time the hypervisor took
 * (steal), the share spent waiting on the disk (iowait: commits wait on WAL flushes) and the
 * share spent busy, from /proc/stat (Linux; null elsewhere). On a shared virtual
 * machine steal moves every number of a run, so each results file records it beside the numbers.
 */
import { readFileSync } from 'node:fs';

interface Ticks {
  readonly busy: number;
  readonly iowait: number;
  readonly steal: number;
  readonly total: number;
}

function read(): Ticks | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    if ([user, nice, system, idle, iowait, irq, softirq, steal].some((n) => n === undefined || !Number.isFinite(n))) return null;
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, iowait: iowait!, steal: steal!, total: busy + idle! + iowait! + steal! };
  } catch {
    return null;
  }
}

/** Starts sampling; `stop()` gives steal, iowait and busy as percentages of all CPU time since the start. */
export function cpuSampler(): { stop(): { stealPct: number; iowaitPct: number; busyPct: number } | null } {
  const start = read();
  return {
    stop() {
      const end = read();
      if (!start || !end || end.total <= start.total) return null;
      const total = end.total - start.total;
      const pct = (n: number) => Math.round((n / total) * 1000) / 10;
      return { stealPct: pct(end.steal - start.steal), iowaitPct: pct(end.iowait - start.iowait), busyPct: pct(end.busy - start.busy) };
    },
  };
}
