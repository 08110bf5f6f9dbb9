-- Dataset and job rows keep what describes them (facets), not per-event activity, so an event
-- that mentions a dataset or job without new facets writes and locks nothing there (ADR 0022).
-- A dataset's first and last seen were read by no query and cost every mention a row update,
-- locked until commit by every concurrent batch naming the same dataset; activity is kept where
-- the contract asks for it, on the edges and job links (first/last seen each). A job's latest
-- run is read from ol_runs (ol_runs_job_idx: job, state_time DESC) instead of being updated on
-- the job's row by every run event.
ALTER TABLE ol_datasets DROP COLUMN first_seen, DROP COLUMN last_seen;
ALTER TABLE ol_jobs DROP COLUMN latest_run_id;
