/**
 * Archiving monthly partitions to the blob store, for any table partitioned by month into
 * `<prefix>_YYYYMM` tables: a partition is read page by page into gzipped JSON Lines, uploaded
 * with its SHA-256, checked in the store, and only then detached and dropped — with whatever
 * statements the caller adds, in the same transaction. A failed upload or check leaves the
 * partition in place. Idempotent: a run interrupted after the upload uploads the same month
 * again. Runs on Node, Lambda and Workers (CompressionStream and WebCrypto only).
 */
import { fail } from '../errors';
import type { BlobStore } from '../ports/blob';
import type { Sql, Statement } from '../ports/sql';
import { sha256Hex } from './hash';

export interface MonthlyPartition {
  readonly name: string;
  /** First instant of the month (UTC). */
  readonly from: Date;
  /** First instant of the next month (UTC). */
  readonly to: Date;
}

/** Monthly partitions of `parent` named `<prefix>_YYYYMM` whose month starts before `cutoff`, oldest first. */
export async function monthlyPartitionsBefore(sql: Sql, parent: string, prefix: string, cutoff: Date): Promise<MonthlyPartition[]> {
  const pattern = new RegExp(`^${prefix}_(\\d{4})(\\d{2})$`);
  const rows = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
    [parent],
  );
  const out: MonthlyPartition[] = [];
  for (const { name } of rows) {
    const m = pattern.exec(name);
    if (!m) continue;
    const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
    if (from.getTime() < cutoff.getTime()) out.push({ name, from, to: new Date(Date.UTC(Number(m[1]), Number(m[2]), 1)) });
  }
  return out;
}

/** Gzipped JSON Lines of every row `pages` yields. */
async function gzipJsonLines(pages: AsyncIterable<readonly object[]>): Promise<{ gz: Uint8Array; rows: number }> {
  const gzip = new CompressionStream('gzip');
  const collected = new Response(gzip.readable).arrayBuffer();
  const writer = gzip.writable.getWriter();
  const enc = new TextEncoder();
  let rows = 0;
  for await (const page of pages) {
    if (page.length === 0) continue;
    await writer.write(enc.encode(page.map((r) => `${JSON.stringify(r)}\n`).join('')));
    rows += page.length;
  }
  await writer.close();
  return { gz: new Uint8Array(await collected), rows };
}

/**
 * Archives one partition (`name` must come from monthlyPartitionsBefore: it is quoted into SQL)
 * to `key` (no file for an empty one), then detaches and drops it together with `alsoInTransaction`.
 */
export async function archivePartition(
  deps: { sql: Sql; blobs: BlobStore },
  o: { parent: string; partition: string; key: string; pages: AsyncIterable<readonly object[]>; alsoInTransaction?: readonly Statement[] },
): Promise<{ rows: number; bytes: number }> {
  const { gz, rows } = await gzipJsonLines(o.pages);
  // an empty month leaves no file
  if (rows > 0) {
    await deps.blobs.put(o.key, gz, { contentType: 'application/gzip', sha256Hex: sha256Hex(gz) });
    const head = await deps.blobs.head(o.key);
    if (head?.size !== gz.byteLength) throw fail.unavailable(`Archive of ${o.partition} did not verify in the blob store; partition kept.`);
  }
  await deps.sql.batch([
    { text: `ALTER TABLE ${o.parent} DETACH PARTITION "${o.partition}"` },
    { text: `DROP TABLE "${o.partition}"` },
    ...(o.alsoInTransaction ?? []),
  ]);
  return { rows, bytes: rows > 0 ? gz.byteLength : 0 };
}
