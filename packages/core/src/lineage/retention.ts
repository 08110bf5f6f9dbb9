/**
 * Maintenance of the raw OpenLineage event store (migrations/0020_lineage.sql), run daily by the
 * `lineage-partitions` schedule:
 *
 * - the monthly `ol_events` partitions for this month and the next two are made ahead (rows a
 *   new partition covers move out of the default partition);
 * - with a retention window (`OL_EVENTS_RETAIN_MONTHS` > 0), every month wholly before it is
 *   archived to the blob store (`lineage/events/ol_events_YYYYMM.jsonl.gz`, checked there) and
 *   dropped, together with that month's rows of the dedupe ledger `ol_event_hashes`, in one
 *   transaction. Old rows that sit in the default partition get their month's partition first,
 *   so they are archived the same way. Archive files are never overwritten: a month archived
 *   again (see below) gets a second file, `ol_events_YYYYMM.<epoch ms>.jsonl.gz`; rows are unique
 *   by `event_hash` across a month's files.
 *
 * Only raw events leave: jobs, runs, datasets and edges — what every query reads — stay. A
 * redelivery of an event older than the window is therefore stored again as new; the derived
 * rows absorb it (first/last seen are min/max, run state only moves forward, an older event
 * only adds facet names not yet present), and the next run archives it again (docs/adr/0018).
 */
import type { Call } from '../context';
import type { BlobStore } from '../ports/blob';
import type { Clock } from '../ports/clock';
import type { Sql } from '../ports/sql';
import { archivePartition, monthlyPartitionsBefore } from '../util/partition-archive';
import { ensureEventPartitions } from './lookup';

/** Blob key of an archived month of events. */
export const eventArchiveKey = (partition: string) => `lineage/events/${partition}.jsonl.gz`;

export interface EventMaintenanceResult {
  readonly created: number;
  readonly archived: readonly { partition: string; key: string; rows: number; bytes: number }[];
}

const PAGE = 2_000;

/** One partition's events in primary-key order, page by page (the name comes from monthlyPartitionsBefore). */
async function* eventPages(sql: Sql, partition: string): AsyncIterable<object[]> {
  let after: [string, string] = ['-infinity', ''];
  for (;;) {
    const page = await sql.query<{ event_time: string; event_hash: string }>(
      `SELECT to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS event_time, event_hash, kind,
              event_type, job_namespace, job_name, run_id, payload,
              to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at
         FROM "${partition}" WHERE (event_time, event_hash) > ($1::timestamptz, $2) ORDER BY event_time, event_hash LIMIT ${PAGE}`,
      after,
    );
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    const last = page[page.length - 1]!;
    after = [last.event_time, last.event_hash];
  }
}

/** Makes partitions ahead and, when `retainMonths` > 0, archives and drops the months before the window. */
export async function maintainEventStore(
  call: Call<{ sql: Sql; blobs: BlobStore; clock: Clock }, { retainMonths: number; aheadMonths?: number }>,
): Promise<EventMaintenanceResult> {
  const { deps, input: o } = call;
  const now = new Date(deps.clock.now());
  const thisMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  let created = await ensureEventPartitions(deps.sql, { from: now, months: o.aheadMonths ?? 3 });
  // rows of past months still in the default partition get their months' partitions (which moves
  // them there); at most 36 months per run, older strays are taken by the next runs
  const strays = await deps.sql.query<{ month: string }>(
    `SELECT DISTINCT to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM') AS month FROM ol_events_default
      WHERE event_time < $1 ORDER BY 1 LIMIT 36`,
    [thisMonth],
  );
  for (const { month } of strays) created += await ensureEventPartitions(deps.sql, { from: new Date(`${month}-01T00:00:00Z`), months: 1 });
  if (o.retainMonths <= 0) return { created, archived: [] };
  // the window counts the current month as the first
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (o.retainMonths - 1), 1));

  const archived: EventMaintenanceResult['archived'][number][] = [];
  for (const p of await monthlyPartitionsBefore(deps.sql, 'ol_events', 'ol_events', cutoff)) {
    // a month archived before can come back (a redelivered old event): never overwrite its file
    let key = eventArchiveKey(p.name);
    if (await deps.blobs.head(key)) key = eventArchiveKey(`${p.name}.${now.getTime()}`);
    const r = await archivePartition(deps, {
      parent: 'ol_events',
      partition: p.name,
      key,
      pages: eventPages(deps.sql, p.name),
      alsoInTransaction: [{ text: `DELETE FROM ol_event_hashes WHERE event_time >= $1 AND event_time < $2`, params: [p.from, p.to] }],
    });
    archived.push({ partition: p.name, key, ...r });
  }
  return { created, archived };
}
