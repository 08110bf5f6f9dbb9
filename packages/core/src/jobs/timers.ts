/**
 * The scheduled jobs run in-process, for hosts with no scheduler of their own (a Node server;
 * ADR 0031). Same jobs as the cloud's schedules (infra/schedules.ts), each on its own interval:
 * a job still running when its next tick comes skips that tick (single flight), and `stop()`
 * clears the timers and waits, bounded, for the runs in progress.
 */
import type { Deps } from '../deps';
import type { ScheduleIntervals } from '../config/schema';
import { runScheduledJobs, scheduleJobs, type ScheduleName, type ScheduleRun, type ScheduledJob } from './schedule';

/** Seconds between runs when SCHEDULE_INTERVALS_JSON does not name a job: the cloud's schedule. */
export const DEFAULT_INTERVALS_SEC: Required<ScheduleIntervals> = {
  'outbox-sweep': 60,
  'dead-letter-replay': 300,
  'headers-refresh': 300,
  'audit-archive': 86_400,
  'lineage-partitions': 86_400,
  'receipt-reconcile': 300,
  'identity-nonce-prune': 300,
  'uploads-abort': 3_600,
};

/** The first run of each job comes this soon after start (or after one interval, if shorter). */
const FIRST_RUN_MS = 5_000;

export interface JobTimerStats {
  readonly intervalMs: number;
  readonly runs: number;
  /** Ticks skipped because the previous run was still going. */
  readonly skipped: number;
  readonly running: boolean;
  readonly last?: ScheduleRun;
}

export interface Schedules {
  stats(): Record<string, JobTimerStats>;
  /** Stops every timer; resolves when running jobs end or after `timeoutMs`, naming the ones still going. */
  stop(timeoutMs: number): Promise<{ unfinished: string[] }>;
}

export interface ScheduleOptions {
  /** Milliseconds per job name; 0 or absent = not scheduled. */
  readonly intervalsMs: Partial<Record<ScheduleName, number>>;
  readonly firstRunMs?: number;
  /** For tests: the implementations (default: every registered scheduled job). */
  readonly jobs?: Partial<Record<ScheduleName, ScheduledJob>>;
}

/** Milliseconds per job from configuration (SCHEDULE_INTERVALS_JSON over the defaults). */
export function intervalsFromConfig(configured: ScheduleIntervals | undefined): Partial<Record<ScheduleName, number>> {
  const out: Partial<Record<ScheduleName, number>> = {};
  for (const [name, sec] of Object.entries({ ...DEFAULT_INTERVALS_SEC, ...configured })) out[name as ScheduleName] = sec * 1000;
  return out;
}

export function startSchedules(deps: Deps, o: ScheduleOptions): Schedules {
  const jobs = o.jobs ?? scheduleJobs;
  // A routine run every minute is noise in a terminal: its summary goes to debug; failures stay errors.
  const quiet: Deps = { ...deps, log: { ...deps.log, info: deps.log.debug } };
  let stopped = false;
  const state = new Map<ScheduleName, { intervalMs: number; runs: number; skipped: number; running?: Promise<void>; last?: ScheduleRun }>();
  const timers: ReturnType<typeof setTimeout>[] = [];

  const tick = (name: ScheduleName) => {
    const s = state.get(name)!;
    if (stopped) return;
    if (s.running) {
      s.skipped++;
      deps.log.debug('scheduled job still running; tick skipped', { job: name });
      return;
    }
    s.runs++;
    s.running = runScheduledJobs(quiet, [name], jobs).then(
      (runs) => {
        s.last = runs[0];
      },
      (e: unknown) => deps.log.error('scheduled job failed', { job: name, error: String(e) }),
    );
    void s.running.finally(() => {
      s.running = undefined;
    });
  };

  for (const [name, intervalMs] of Object.entries(o.intervalsMs) as [ScheduleName, number][]) {
    if (!intervalMs || intervalMs <= 0 || !jobs[name]) continue;
    state.set(name, { intervalMs, runs: 0, skipped: 0 });
    // timers never keep a process alive on their own: the server (or the caller) does
    const first = setTimeout(() => {
      tick(name);
      const every = setInterval(() => tick(name), intervalMs);
      every.unref?.();
      timers.push(every);
    }, Math.min(intervalMs, o.firstRunMs ?? FIRST_RUN_MS));
    first.unref?.();
    timers.push(first);
  }
  deps.log.debug('schedules started', { jobs: Object.fromEntries([...state].map(([n, s]) => [n, s.intervalMs])) });

  return {
    stats() {
      const out: Record<string, JobTimerStats> = {};
      for (const [n, s] of state) out[n] = { intervalMs: s.intervalMs, runs: s.runs, skipped: s.skipped, running: !!s.running, ...(s.last ? { last: s.last } : {}) };
      return out;
    },
    async stop(timeoutMs) {
      stopped = true;
      for (const t of timers) clearTimeout(t); // clearTimeout clears intervals too
      const running = [...state].filter(([, s]) => s.running);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled(running.map(([, s]) => s.running)),
        new Promise((r) => {
          timer = setTimeout(r, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      return { unfinished: running.filter(([, s]) => s.running).map(([n]) => n) };
    },
  };
}
