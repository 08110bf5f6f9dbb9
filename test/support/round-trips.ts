/**
 * Storage round trips a piece of work causes, read from the ports' own instrumentation
 * (`strata_storage_round_trips_total{tier,op}`, wired by createDeps around every adapter).
 */
import type { TestStack } from './deps';

const SQL_OPS = ['query', 'batch', 'exec', 'tx-query'];
const KV_OPS = ['mget', 'set', 'del', 'incr', 'exec', 'ping'];

/** More counters to report beside the round trips: name in the result → metric and labels. */
export type ExtraCounters = Readonly<Record<string, readonly [string, Record<string, string>]>>;

function snapshot(stack: TestStack, extra: ExtraCounters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, [metric, labels]] of Object.entries(extra)) out[name] = stack.deps.metrics.counter(metric, labels);
  for (const op of SQL_OPS) out[`sql.${op}`] = stack.deps.metrics.counter('strata_storage_round_trips_total', { tier: 'sql', op });
  for (const op of KV_OPS) out[`kv.${op}`] = stack.deps.metrics.counter('strata_storage_round_trips_total', { tier: 'kv', op });
  return out;
}

/** Round trips by `tier.op` that `fn` caused (zeros left out). */
export async function tripsOf(stack: TestStack, fn: () => Promise<unknown>, extra: ExtraCounters = {}): Promise<Record<string, number>> {
  const before = snapshot(stack, extra);
  await fn();
  const after = snapshot(stack, extra);
  const diff: Record<string, number> = {};
  for (const k of Object.keys(after)) if (after[k]! - before[k]! !== 0) diff[k] = after[k]! - before[k]!;
  return diff;
}
