-- A run's inputs and outputs are read from its stored events (ol_events, indexed by run_id):
-- a run has a handful of events, so ol_run_io was a second copy written on every ingest
-- (about an eighth of a batch's time in PostgreSQL) and read by nothing. Nothing is lost:
-- every row it held is derivable from ol_events.
DROP TABLE ol_run_io;
