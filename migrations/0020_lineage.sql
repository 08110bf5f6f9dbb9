-- OpenLineage store (ARCHITECTURE §6). Raw events are append-only and partitioned by month of
-- event_time; jobs, runs, datasets and edges are derived from them by packages/core/src/lineage/ingest.ts.

-- Dedupe ledger. A unique constraint on the partitioned ol_events would have to include
-- event_time, which would let the same event hash be stored twice under two event times; this
-- small unpartitioned table is the one place that says "this hash was seen". `xact` lets the
-- later statements of the same ingest batch pick out exactly the events this transaction added,
-- so a duplicate never touches the derived tables again.
CREATE TABLE ol_event_hashes (
  event_hash  text PRIMARY KEY CHECK (event_hash ~ '^[0-9a-f]{64}$'),
  event_time  timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  xact        xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX ol_event_hashes_time_idx ON ol_event_hashes (event_time);

CREATE TABLE ol_events (
  event_time    timestamptz NOT NULL,
  event_hash    text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('run', 'job', 'dataset')),
  event_type    text,
  job_namespace text,
  job_name      text,
  run_id        text,
  payload       jsonb NOT NULL,            -- the event as received (raw eventTime string kept)
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_time, event_hash)
) PARTITION BY RANGE (event_time);
CREATE TABLE ol_events_default PARTITION OF ol_events DEFAULT;
CREATE INDEX ol_events_run_idx ON ol_events (run_id, event_time);
CREATE INDEX ol_events_job_idx ON ol_events (job_namespace, job_name, event_time);

-- Creates the monthly partitions [from_month, from_month + months) that do not exist yet,
-- moving any rows the default partition already holds for that month. Returns how many it made.
CREATE FUNCTION ol_ensure_event_partitions(from_month date, months int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  first_month timestamp := date_trunc('month', from_month::timestamp);
  lo timestamptz;
  hi timestamptz;
  part text;
  made int := 0;
BEGIN
  FOR i IN 0 .. months - 1 LOOP
    lo := (first_month + make_interval(months => i)) AT TIME ZONE 'UTC';
    hi := (first_month + make_interval(months => i + 1)) AT TIME ZONE 'UTC';
    part := 'ol_events_' || to_char(first_month + make_interval(months => i), 'YYYYMM');
    CONTINUE WHEN to_regclass(part) IS NOT NULL;
    EXECUTE format('CREATE TABLE %I (LIKE ol_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    EXECUTE format('WITH moved AS (DELETE FROM ol_events_default WHERE event_time >= $1 AND event_time < $2 RETURNING *) '
                   'INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
    EXECUTE format('ALTER TABLE ol_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    made := made + 1;
  END LOOP;
  RETURN made;
END $$;

SELECT ol_ensure_event_partitions(current_date, 3);

CREATE TABLE ol_jobs (
  namespace     text NOT NULL,
  name          text NOT NULL,
  facets        jsonb NOT NULL DEFAULT '{}',
  facets_time   timestamptz NOT NULL,      -- eventTime of the newest event that set facets
  latest_run_id text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, name)
);

-- state_rank: OTHER 0 < START 1 < RUNNING 2 < COMPLETE|ABORT|FAIL 3. The ingest UPSERT only
-- replaces (state_rank, state_time) by a greater pair, so a late START never undoes a COMPLETE.
CREATE TABLE ol_runs (
  run_id        text PRIMARY KEY,
  job_namespace text NOT NULL,
  job_name      text NOT NULL,
  state         text NOT NULL CHECK (state IN ('START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER')),
  state_rank    smallint NOT NULL CHECK (state_rank BETWEEN 0 AND 3),
  state_time    timestamptz NOT NULL,
  start_time    timestamptz,
  end_time      timestamptz,
  facets        jsonb NOT NULL DEFAULT '{}',
  facets_time   timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ol_runs_job_idx ON ol_runs (job_namespace, job_name, state_time DESC);

CREATE TABLE ol_datasets (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  namespace   text NOT NULL,
  name        text NOT NULL,
  facets      jsonb NOT NULL DEFAULT '{}',
  facets_time timestamptz NOT NULL,
  first_seen  timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (namespace, name)
);
-- prefix search on names works everywhere; substring search gets a trigram index where pg_trgm exists
CREATE INDEX ol_datasets_name_prefix_idx ON ol_datasets (lower(name) text_pattern_ops);
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX ol_datasets_name_trgm_idx ON ol_datasets USING gin (lower(name) gin_trgm_ops);
    EXCEPTION WHEN insufficient_privilege OR undefined_object THEN
      RAISE NOTICE 'pg_trgm unavailable (%); dataset search falls back to scans', SQLERRM;
    END;
  END IF;
END $$;

-- Directed dataset → dataset edges: the union over all runs of input × output.
CREATE TABLE ol_edges (
  src_id      bigint NOT NULL REFERENCES ol_datasets (id),
  dst_id      bigint NOT NULL REFERENCES ol_datasets (id),
  first_seen  timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  last_run_id text,                        -- run that most recently produced the edge (null: JobEvent)
  PRIMARY KEY (src_id, dst_id),
  CHECK (src_id <> dst_id)
);
CREATE INDEX ol_edges_dst_idx ON ol_edges (dst_id, src_id);

-- What each run read and wrote (additive across the run's events).
CREATE TABLE ol_run_io (
  run_id     text NOT NULL REFERENCES ol_runs (run_id),
  direction  text NOT NULL CHECK (direction IN ('in', 'out')),
  dataset_id bigint NOT NULL REFERENCES ol_datasets (id),
  first_seen timestamptz NOT NULL,
  PRIMARY KEY (run_id, direction, dataset_id)
);
CREATE INDEX ol_run_io_dataset_idx ON ol_run_io (dataset_id);

-- Job ↔ dataset edges (from RunEvents and runless JobEvents), the union over all runs.
CREATE TABLE ol_job_io (
  job_namespace text NOT NULL,
  job_name      text NOT NULL,
  direction     text NOT NULL CHECK (direction IN ('in', 'out')),
  dataset_id    bigint NOT NULL REFERENCES ol_datasets (id),
  first_seen    timestamptz NOT NULL,
  last_seen     timestamptz NOT NULL,
  PRIMARY KEY (job_namespace, job_name, direction, dataset_id),
  FOREIGN KEY (job_namespace, job_name) REFERENCES ol_jobs (namespace, name)
);
CREATE INDEX ol_job_io_dataset_idx ON ol_job_io (dataset_id);
