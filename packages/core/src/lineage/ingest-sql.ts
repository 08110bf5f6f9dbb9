/**
 * The set-based statements of one ingest batch (tables: migrations/0020_lineage.sql). Each takes
 * one jsonb array parameter, so N events are a fixed number of statements, never N × M.
 *
 * Order: events, runs, new datasets, new jobs, job links, edges, job merge, dataset merge.
 * Statements whose rows other batches rarely touch come first; those that update rows concurrent
 * batches share come last, so row locks are held for the end of the batch only.
 *
 * Datasets and jobs are written in two steps each (ADR 0022): `INSERT … ON CONFLICT DO NOTHING`
 * for new ones, and at the end a merge that updates only rows whose facets change. Their rows
 * hold no per-event activity (first/last seen live on edges and job links, a job's latest run is
 * read from `ol_runs`), so a mention without facets writes and locks nothing there.
 *
 * Statement 1 claims the event hashes in `ol_event_hashes` and records which events of the batch
 * it stored as a string of '0'/'1' flags, one per event by its position `i` in the batch, in the
 * transaction-local setting `strata.ol_fresh` (and returns it). Every later statement keeps only
 * rows whose event's flag is '1' (FRESH), so events that were already stored (duplicates, queue
 * redeliveries) never touch derived rows. The flag costs a bit lookup per row where joining
 * the ledger cost an index probe per row (about 5,500 probes per 500-event batch, ~15 % of it);
 * the statements are always sent together in one transaction, and reading the setting without
 * statement 1 having run in that transaction is an error, not an empty batch.
 * Rows are aggregated per key before the UPSERT (ON CONFLICT DO UPDATE may touch a row once per
 * statement) and inserted in key order, which keeps concurrent batches from deadlocking.
 *
 * Facet merge: a facet replaces the one of the same name (OpenLineage's rule); when the incoming
 * events are older than what is stored, they only fill in facet names not yet present. A dataset
 * or job facet that is the deletion marker (`"_deleted": true`) removes the stored facet of its
 * name, as in Marquez: it takes part in the merge like any facet and is then dropped with what it
 * replaced. Rows carry `del` when one of their facets is a marker, so the rewrite runs only then.
 */

/**
 * SQL condition: the event at position `x.i` of this batch was stored by statement 1
 * (INSERT_EVENTS). The flags are read and cast to a bit string once per statement (an InitPlan);
 * `get_bit` is then O(1) per row, where `substr` on the text walked it character by character and
 * `current_setting` copied it, per row (~3 % of the batch's PostgreSQL time). A flag past the end
 * is an error, not a silent '0'.
 */
export const FRESH = `get_bit((SELECT current_setting('strata.ol_fresh')::varbit), x.i) = 1`;

/**
 * $1: [{i, h, t, kind, type, jns, jn, run, raw}] with i = 0, 1, … → one row `{fresh}`: the flags
 * ('1' stored now, '0' already stored) by position, also set as `strata.ol_fresh` for the
 * statements after it. Data-modifying CTEs run to completion whether or not the SELECT reads them.
 */
export const INSERT_EVENTS = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS x(i int, h text, t timestamptz, kind text, type text, jns text, jn text, run text, raw jsonb)
), claimed AS (
  INSERT INTO ol_event_hashes (event_hash, event_time)
  SELECT h, t FROM input ORDER BY h
  ON CONFLICT (event_hash) DO NOTHING
  RETURNING event_hash
), stored AS (
  INSERT INTO ol_events (event_time, event_hash, kind, event_type, job_namespace, job_name, run_id, payload)
  SELECT i.t, i.h, i.kind, i.type, i.jns, i.jn, i.run, i.raw FROM input i JOIN claimed c ON c.event_hash = i.h
)
SELECT set_config('strata.ol_fresh',
  (SELECT string_agg(CASE WHEN c.event_hash IS NULL THEN '0' ELSE '1' END, '' ORDER BY x.i) FROM input x LEFT JOIN claimed c ON c.event_hash = x.h),
  true) AS fresh`;

/**
 * $1: [{i, t, run, jns, jn, type, rank, facets}] one per RunEvent. State, times and job come from
 * ONE aggregate per run (joining several per-run CTEs let the planner, which guesses 1 row for
 * them, pick a nested loop: quadratic in the batch).
 */
export const UPSERT_RUNS = `
WITH input AS (
  SELECT x.* FROM jsonb_to_recordset($1::jsonb)
    AS x(i int, t timestamptz, run text, jns text, jn text, type text, rank int, facets jsonb) WHERE ${FRESH}
), st AS (
  SELECT run,
         (array_agg(jns ORDER BY rank DESC, t DESC))[1] AS jns,
         (array_agg(jn ORDER BY rank DESC, t DESC))[1] AS jn,
         (array_agg(type ORDER BY rank DESC, t DESC))[1] AS type,
         max(rank) AS rank,
         (array_agg(t ORDER BY rank DESC, t DESC))[1] AS t,
         min(t) FILTER (WHERE type = 'START') AS start_t,
         max(t) AS last_t,
         bool_or(facets <> '{}'::jsonb) AS has_facets
  FROM input GROUP BY run
), fa AS (
  SELECT run, jsonb_object_agg(k, v) AS facets FROM (
    SELECT DISTINCT ON (run, k) run, k, v FROM input, jsonb_each(facets) AS f(k, v) ORDER BY run, k, t DESC
  ) kv GROUP BY run
)
INSERT INTO ol_runs AS r (run_id, job_namespace, job_name, state, state_rank, state_time, start_time, end_time, facets, facets_time)
SELECT st.run, st.jns, st.jn, st.type, st.rank, st.t, st.start_t, CASE WHEN st.rank = 3 THEN st.t END,
       CASE WHEN st.has_facets THEN coalesce((SELECT fa.facets FROM fa WHERE fa.run = st.run), '{}') ELSE '{}' END, st.last_t
FROM st ORDER BY 1
ON CONFLICT (run_id) DO UPDATE SET
  state      = CASE WHEN (excluded.state_rank, excluded.state_time) > (r.state_rank, r.state_time) THEN excluded.state ELSE r.state END,
  end_time   = CASE WHEN (excluded.state_rank, excluded.state_time) > (r.state_rank, r.state_time) THEN excluded.end_time ELSE r.end_time END,
  state_rank = greatest(r.state_rank, excluded.state_rank),
  state_time = CASE WHEN (excluded.state_rank, excluded.state_time) > (r.state_rank, r.state_time) THEN excluded.state_time ELSE r.state_time END,
  start_time = least(r.start_time, excluded.start_time),
  facets     = CASE WHEN excluded.facets_time >= r.facets_time THEN r.facets || excluded.facets ELSE excluded.facets || r.facets END,
  facets_time = greatest(r.facets_time, excluded.facets_time),
  updated_at = now()`;

/** jsonb facets `f` without the deletion markers (a marker stands for "no such facet"). */
const withoutDeleted = (f: string) =>
  `(SELECT coalesce(jsonb_object_agg(k, v), '{}'::jsonb) FROM jsonb_each(${f}) AS fd(k, v) WHERE v -> '_deleted' IS DISTINCT FROM 'true'::jsonb)`;

/**
 * Per-entity aggregate of a batch's rows `[{i, t, ns, name, facets, del?}]` (dataset mentions, or
 * events with a job): the newest value per facet name, the newest event time that carried facets
 * ('-infinity' when none did), and whether any row held a deletion marker.
 */
const FACETS_AGG = `
WITH input AS (
  SELECT x.* FROM jsonb_to_recordset($1::jsonb) AS x(i int, t timestamptz, ns text, name text, facets jsonb, del boolean) WHERE ${FRESH}
), fa AS (
  SELECT ns, name, jsonb_object_agg(k, v) AS facets FROM (
    SELECT DISTINCT ON (ns, name, k) ns, name, k, v FROM input, jsonb_each(facets) AS f(k, v) ORDER BY ns, name, k, t DESC
  ) kv GROUP BY ns, name
), agg AS (
  SELECT a.ns, a.name, a.facets_t, a.del, coalesce(fa.facets, '{}'::jsonb) AS facets FROM (
    SELECT ns, name, coalesce(max(t) FILTER (WHERE facets <> '{}'::jsonb), '-infinity') AS facets_t, coalesce(bool_or(del), false) AS del
    FROM input GROUP BY ns, name
  ) a LEFT JOIN fa USING (ns, name)
)`;

/** The facets a row of `d` holds after merging the aggregate `a` (newer wins by name; markers dropped). */
const merged = (d: string, a: string) => {
  const m = `CASE WHEN ${a}.facets_t >= ${d}.facets_time THEN ${d}.facets || ${a}.facets ELSE ${a}.facets || ${d}.facets END`;
  return `CASE WHEN ${a}.del THEN ${withoutDeleted(m)} ELSE ${m} END`;
};

type FacetTable = 'ol_datasets' | 'ol_jobs';

/**
 * Step 1 of 2: insert the datasets (or jobs) not stored yet, with their facets, and leave
 * existing rows alone — DO NOTHING takes no row lock, so concurrent batches that mention the same
 * names do not queue here (a name another batch is inserting waits for that batch to end).
 * $1: [{i, t, ns, name, facets}] one per mention.
 */
const insertNew = (table: FacetTable) => `${FACETS_AGG}
INSERT INTO ${table} (namespace, name, facets, facets_time)
SELECT ns, name, CASE WHEN del THEN ${withoutDeleted('facets')} ELSE facets END, facets_t FROM agg ORDER BY 1, 2
ON CONFLICT (namespace, name) DO NOTHING`;

/**
 * Step 2 of 2, run at the end of the batch: merge facets into rows stored before, touching only
 * rows whose facets or facet time change. Its row locks are held from here to the commit, not for
 * the whole batch. Rows are locked in key order (no deadlock between concurrent batches); a plain
 * UPDATE skips rows other batches have inserted and not yet committed, so it never waits on step 1
 * of another batch. A facet replaces the one of the same name when newer; older events only add
 * facet names not yet present. $1: the rows of step 1 that carry facets (the others change
 * nothing here).
 */
const mergeFacets = (table: FacetTable) => `${FACETS_AGG}, locked AS (
  -- the aggregate travels with the locked row: joining agg again would meet the planner's 1-row guess for CTEs (a nested loop)
  SELECT d.namespace, d.name, a.facets, a.facets_t, a.del FROM agg a JOIN ${table} d ON d.namespace = a.ns AND d.name = a.name
  WHERE (${merged('d', 'a')}, greatest(d.facets_time, a.facets_t))
        IS DISTINCT FROM (d.facets, d.facets_time)
  ORDER BY d.namespace, d.name
  FOR UPDATE OF d
)
UPDATE ${table} d SET
  facets = ${merged('d', 'l')},
  facets_time = greatest(d.facets_time, l.facets_t),
  updated_at = now()
FROM locked l
WHERE d.namespace = l.namespace AND d.name = l.name`;

export const INSERT_NEW_DATASETS = insertNew('ol_datasets');
export const MERGE_DATASETS = mergeFacets('ol_datasets');
export const INSERT_NEW_JOBS = insertNew('ol_jobs');
export const MERGE_JOBS = mergeFacets('ol_jobs');

/**
 * Dataset → dataset edges. $1: [{i, t, run, sns, sn, dns, dn}], the input × output pairs of each
 * event, built in the caller (a self-join of the I/O rows here is quadratic in the batch size).
 */
export const UPSERT_EDGES = `
WITH input AS (
  SELECT x.t, x.run, s.id AS src, d.id AS dst
  FROM jsonb_to_recordset($1::jsonb) AS x(i int, t timestamptz, run text, sns text, sn text, dns text, dn text)
  JOIN ol_datasets s ON s.namespace = x.sns AND s.name = x.sn
  JOIN ol_datasets d ON d.namespace = x.dns AND d.name = x.dn
  WHERE ${FRESH} AND s.id <> d.id
), agg AS (
  SELECT src, dst, min(t) AS first_t, max(t) AS last_t, (array_agg(run ORDER BY t DESC))[1] AS run FROM input GROUP BY src, dst
)
INSERT INTO ol_edges AS e (src_id, dst_id, first_seen, last_seen, last_run_id)
SELECT src, dst, first_t, last_t, run FROM agg ORDER BY 1, 2
ON CONFLICT (src_id, dst_id) DO UPDATE SET
  last_run_id = CASE WHEN excluded.last_seen >= e.last_seen THEN coalesce(excluded.last_run_id, e.last_run_id) ELSE e.last_run_id END,
  first_seen = least(e.first_seen, excluded.first_seen),
  last_seen = greatest(e.last_seen, excluded.last_seen)`;

/**
 * Job ↔ dataset links, union over all runs and JobEvents. $1: [{i, t, jns, jn, role: 'in'|'out', ns, name}].
 * (A run's own inputs and outputs are read from its stored events: lookup.ts.)
 */
export const UPSERT_JOB_IO = `
WITH input AS (
  SELECT x.t, x.jns, x.jn, x.role, d.id
  FROM jsonb_to_recordset($1::jsonb) AS x(i int, t timestamptz, jns text, jn text, role text, ns text, name text)
  JOIN ol_datasets d ON d.namespace = x.ns AND d.name = x.name
  WHERE ${FRESH}
)
INSERT INTO ol_job_io AS j (job_namespace, job_name, direction, dataset_id, first_seen, last_seen)
SELECT jns, jn, role, id, min(t), max(t) FROM input GROUP BY jns, jn, role, id ORDER BY 1, 2, 3, 4
ON CONFLICT (job_namespace, job_name, direction, dataset_id) DO UPDATE SET
  first_seen = least(j.first_seen, excluded.first_seen),
  last_seen = greatest(j.last_seen, excluded.last_seen)`;
