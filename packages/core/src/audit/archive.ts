/**
 * Audit archival (migrations/0002_audit_log.sql): monthly partitions older than the retention
 * window are written to the blob store as gzipped JSON Lines, checked there, then detached and
 * dropped in one transaction. Partitions for the coming months are created ahead. Runs on Node,
 * Lambda and Workers (CompressionStream and WebCrypto only). Idempotent: a run interrupted
 * after the upload simply uploads the same immutable month again.
 */
import { z } from 'zod';
import type { BlobStore } from '../ports/blob';
import type { Clock } from '../ports/clock';
import type { Sql } from '../ports/sql';
import { fail } from '../errors';

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

const PARTITION = /^audit_log_(\d{4})(\d{2})$/;

/** Blob key of an archived month. */
export const archiveKey = (partition: string) => `audit/${partition}.jsonl.gz`;

/** Monthly partitions of audit_log whose month starts before `cutoff` (UTC), oldest first. */
async function partitionsBefore(sql: Sql, cutoff: Date): Promise<string[]> {
  const rows = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit_log'::regclass ORDER BY c.relname`,
  );
  return rows
    .map((r) => r.name)
    .filter((name) => {
      const m = PARTITION.exec(name);
      return m !== null && Date.UTC(Number(m[1]), Number(m[2]) - 1, 1) < cutoff.getTime();
    });
}

/** Reads one partition page by page into gzipped JSON Lines. */
async function gzipPartition(sql: Sql, partition: string, pageSize: number): Promise<{ gz: Uint8Array; rows: number }> {
  const gzip = new CompressionStream('gzip');
  const collected = new Response(gzip.readable).arrayBuffer();
  const writer = gzip.writable.getWriter();
  const enc = new TextEncoder();
  let rows = 0;
  let after = '0';
  for (;;) {
    // the partition name comes from pg_inherits and matched PARTITION, so quoting it is safe
    const page = await sql.query<{ id: string; at: Date }>(
      `SELECT id, at, actor, action, resource, request_id, before, after FROM "${partition}"
        WHERE id > $1::bigint ORDER BY id LIMIT $2`,
      [after, pageSize],
    );
    if (page.length === 0) break;
    await writer.write(enc.encode(page.map((r) => `${JSON.stringify(r)}\n`).join('')));
    rows += page.length;
    after = String(page[page.length - 1]!.id);
    if (page.length < pageSize) break;
  }
  await writer.close();
  return { gz: new Uint8Array(await collected), rows };
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Creates partitions ahead, then archives and drops every monthly partition that lies wholly
 * before the retention window. A failed upload or check leaves the partition in place.
 */
export async function archiveAuditLog(
  deps: { sql: Sql; blobs: BlobStore; clock: Clock },
  options: z.input<typeof ArchiveOptions>,
): Promise<ArchiveResult> {
  const o = ArchiveOptions.parse(options);
  const now = new Date(deps.clock.now());
  const made = await deps.sql.query<{ n: number }>('SELECT ensure_audit_partitions($1::timestamptz, $2) AS n', [now, o.aheadMonths]);
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (o.retainMonths - 1), 1));

  const archived: ArchivedPartition[] = [];
  for (const partition of await partitionsBefore(deps.sql, cutoff)) {
    const { gz, rows } = await gzipPartition(deps.sql, partition, o.pageSize);
    const key = archiveKey(partition);
    await deps.blobs.put(key, gz, { contentType: 'application/gzip', sha256Hex: await sha256Hex(gz) });
    const head = await deps.blobs.head(key);
    if (head?.size !== gz.byteLength) throw fail.unavailable(`Archive of ${partition} did not verify in the blob store; partition kept.`);
    await deps.sql.batch([
      { text: `ALTER TABLE audit_log DETACH PARTITION "${partition}"` },
      { text: `DROP TABLE "${partition}"` },
    ]);
    archived.push({ partition, key, rows, bytes: gz.byteLength });
  }
  return { created: made[0]?.n ?? 0, archived };
}
