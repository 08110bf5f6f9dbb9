/**
 * Node detail, job, run and search reads, plus the partition maintenance verb. Shapes follow
 * origin D41's helper endpoints (`{dataset:{namespace,name,facets,created_at,updated_at}}` etc.).
 */
import type { Call } from '../context';
import { fail } from '../errors';
import type { Sql } from '../ports/sql';
import { OL_QUERY_LIMITS } from './limits';
import type { DatasetDetail, JobDetail, RunDetail, SearchResult } from './schema';

export type { DatasetDetail, JobDetail, RunDetail, SearchResult };

/** Most inputs (and outputs) listed for one job or run, first by namespace and name. */
export const IO_LIMIT = 1000;

// timestamps are rendered in SQL so every adapter returns the same ISO strings
const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** One dataset with its latest facets, or null. */
export async function getDataset(call: Call<{ readonly sql: Sql }, { namespace: string; name: string }>): Promise<DatasetDetail | null> {
  const { deps: { sql }, input: { namespace, name } } = call;
  const rows = await sql.query<DatasetDetail & Record<string, unknown>>(
    `SELECT namespace, name, facets, ${ISO('created_at')} AS created_at, ${ISO('updated_at')} AS updated_at
       FROM ol_datasets WHERE namespace = $1 AND name = $2`,
    [namespace, name],
  );
  return rows[0] ?? null;
}

/** A job's inputs or outputs from `ol_job_io` (kept per job as events arrive), as a JSON array. */
const jobIo = (direction: 'in' | 'out') => `coalesce((
  SELECT jsonb_agg(jsonb_build_object('namespace', namespace, 'name', name) ORDER BY namespace, name) FROM (
    SELECT d.namespace, d.name FROM ol_job_io io JOIN ol_datasets d ON d.id = io.dataset_id
     WHERE io.job_namespace = j.namespace AND io.job_name = j.name AND io.direction = '${direction}'
     ORDER BY d.namespace, d.name LIMIT ${IO_LIMIT}) io), '[]'::jsonb)`;

/** A run's inputs or outputs, read from its stored events (indexed by run id; a run has a handful). */
const runIo = (field: 'inputs' | 'outputs') => `coalesce((
  SELECT jsonb_agg(jsonb_build_object('namespace', namespace, 'name', name) ORDER BY namespace, name) FROM (
    SELECT DISTINCT d->>'namespace' AS namespace, d->>'name' AS name
      FROM ol_events e CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(e.payload->'${field}') = 'array' THEN e.payload->'${field}' ELSE '[]'::jsonb END) d
     WHERE e.run_id = r.run_id
     ORDER BY 1, 2 LIMIT ${IO_LIMIT}) io), '[]'::jsonb)`;

/** The job's run with the newest state time (ol_runs_job_idx), ties broken by run id. */
const LATEST_RUN = `(SELECT r.run_id FROM ol_runs r WHERE r.job_namespace = j.namespace AND r.job_name = j.name
   ORDER BY r.state_time DESC, r.run_id DESC LIMIT 1)`;

/** One job with its latest facets and latest run, or null. */
export async function getJob(call: Call<{ readonly sql: Sql }, { namespace: string; name: string }>): Promise<JobDetail | null> {
  const { deps: { sql }, input: { namespace, name } } = call;
  const rows = await sql.query<JobDetail & Record<string, unknown>>(
    `SELECT j.namespace, j.name, j.facets, ${LATEST_RUN} AS latest_run_id, ${ISO('j.created_at')} AS created_at, ${ISO('j.updated_at')} AS updated_at,
            ${jobIo('in')} AS inputs, ${jobIo('out')} AS outputs
       FROM ol_jobs j WHERE j.namespace = $1 AND j.name = $2`,
    [namespace, name],
  );
  return rows[0] ?? null;
}

/** One run (state, times, merged facets), or null. UUID-shaped ids match case-insensitively. */
export async function getRun(call: Call<{ readonly sql: Sql }, { runId: string }>): Promise<RunDetail | null> {
  const { deps: { sql }, input: { runId } } = call;
  const id = /^[0-9a-f-]{36}$/i.test(runId) ? runId.toLowerCase() : runId;
  const rows = await sql.query<RunDetail & Record<string, unknown>>(
    `SELECT job_namespace AS namespace, job_name, run_id, state, facets,
            CASE WHEN start_time IS NULL THEN NULL ELSE ${ISO('start_time')} END AS start_time,
            CASE WHEN end_time IS NULL THEN NULL ELSE ${ISO('end_time')} END AS end_time,
            ${ISO('created_at')} AS created_at, ${ISO('updated_at')} AS updated_at,
            ${runIo('inputs')} AS inputs, ${runIo('outputs')} AS outputs
       FROM ol_runs r WHERE run_id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Datasets whose name contains `q` (case-insensitive), prefix matches first. Uses the trigram
 * index where pg_trgm exists and the `text_pattern_ops` index for prefixes everywhere.
 */
export async function searchDatasets(call: Call<{ readonly sql: Sql }, { q: string; limit?: number }>): Promise<SearchResult[]> {
  const { deps: { sql }, input } = call;
  const q = input.q.trim().toLowerCase();
  const limit = input.limit ?? OL_QUERY_LIMITS.defaultSearchLimit;
  if (q.length === 0 || q.length > 256) throw fail.validation([{ path: 'query.q', message: 'must be 1 to 256 characters' }]);
  if (!Number.isInteger(limit) || limit < 1 || limit > OL_QUERY_LIMITS.maxSearchLimit) {
    throw fail.validation([{ path: 'query.limit', message: `must be an integer from 1 to ${OL_QUERY_LIMITS.maxSearchLimit}` }]);
  }
  const pattern = escapeLike(q);
  const rows = await sql.query<SearchResult & { rank: number }>(
    `SELECT namespace, name, type, facets, updated_at, rank FROM (
     (SELECT namespace, name, 'dataset' AS type, facets, ${ISO('updated_at')} AS updated_at, 0 AS rank
        FROM ol_datasets WHERE lower(name) LIKE $1 || '%' ORDER BY length(name), lower(name), namespace LIMIT $2)
     UNION ALL
     (SELECT namespace, name, 'dataset', facets, ${ISO('updated_at')}, 1
        FROM ol_datasets WHERE lower(name) LIKE '%' || $1 || '%' AND lower(name) NOT LIKE $1 || '%'
        ORDER BY length(name), lower(name), namespace LIMIT $2)) AS hits
     ORDER BY rank, length(name), lower(name), namespace LIMIT $2`,
    [pattern, limit],
  );
  return rows.map(({ rank: _rank, ...r }) => r);
}

/** Creates the monthly ol_events partitions from `from`'s month for `months` months; returns how many were new. */
export async function ensureEventPartitions(sql: Sql, input: { from: Date; months: number }): Promise<number> {
  if (!Number.isInteger(input.months) || input.months < 1 || input.months > 36) {
    throw fail.validation([{ path: 'months', message: 'must be an integer from 1 to 36' }]);
  }
  const rows = await sql.query<{ made: number }>(`SELECT ol_ensure_event_partitions($1::date, $2::int)::int AS made`, [
    input.from.toISOString().slice(0, 10),
    input.months,
  ]);
  return Number(rows[0]?.made ?? 0);
}
