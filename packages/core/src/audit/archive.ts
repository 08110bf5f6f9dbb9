/**
 * Audit archival (migrations/0002_audit_log.sql): monthly partitions older than the retention
 * window are written to the blob store as gzipped JSON Lines, checked there, then detached and
 * dropped in one transaction (util/partition-archive.ts). Partitions for the coming months are
 * created ahead.
 */
import { z } from 'zod';
import type { Call } from '../context';
import type { BlobStore } from '../ports/blob';
import type { Clock } from '../ports/clock';
import type { Sql } from '../ports/sql';
import { archivePartition, monthlyPartitionsBefore } from '../util/partition-archive';

export const ArchiveOptions = z.object({
  /** Months kept in PostgreSQL, counting the current one as the first. */
  retainMonths: z.number().int().min(1).max(120),
  /** Months of partitions to make sure exist, from the current month on. */
  aheadMonths: z.number().int().min(1).max(24).default(3),
  /** Rows read per query while streaming a partition out. */
  pageSize: z.number().int().min(1).max(50_000).default(5_000),
});

export interface ArchivedPartition {
  readonly partition: string;
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
}

export interface ArchiveResult {
  readonly created: number;
  readonly archived: readonly ArchivedPartition[];
}

/** Blob key of an archived month. */
export const archiveKey = (partition: string) => `audit/${partition}.jsonl.gz`;

/** The partition's rows, page by page in id order (the name comes from monthlyPartitionsBefore). */
async function* auditPages(sql: Sql, partition: string, pageSize: number): AsyncIterable<object[]> {
  let after = '0';
  for (;;) {
    const page = await sql.query<{ id: string }>(
      `SELECT id, at, actor, action, resource, request_id, before, after FROM "${partition}"
        WHERE id > $1::bigint ORDER BY id LIMIT $2`,
      [after, pageSize],
    );
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = String(page[page.length - 1]!.id);
  }
}

/**
 * Creates partitions ahead, then archives and drops every monthly partition that lies wholly
 * before the retention window. A failed upload or check leaves the partition in place.
 */
export async function archiveAuditLog(call: Call<{ sql: Sql; blobs: BlobStore; clock: Clock }, z.input<typeof ArchiveOptions>>): Promise<ArchiveResult> {
  const { deps } = call;
  const o = ArchiveOptions.parse(call.input);
  const now = new Date(deps.clock.now());
  const made = await deps.sql.query<{ n: number }>('SELECT ensure_audit_partitions($1::timestamptz, $2) AS n', [now, o.aheadMonths]);
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (o.retainMonths - 1), 1));

  const archived: ArchivedPartition[] = [];
  for (const { name: partition } of await monthlyPartitionsBefore(deps.sql, 'audit_log', 'audit_log', cutoff)) {
    const key = archiveKey(partition);
    const r = await archivePartition(deps, { parent: 'audit_log', partition, key, pages: auditPages(deps.sql, partition, o.pageSize) });
    archived.push({ partition, key, ...r });
  }
  return { created: made[0]?.n ?? 0, archived };
}
