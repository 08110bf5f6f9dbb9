-- The statements of an ingest batch no longer find "events this transaction stored" by joining
-- ol_event_hashes on xact = pg_current_xact_id() (an index probe per derived row, ~15 % of a
-- 500-event batch): the first statement records one '0'/'1' flag per event of the batch in the
-- transaction-local setting strata.ol_fresh (packages/core/src/lineage/ingest-sql.ts). The
-- xact column is read by nothing now.
ALTER TABLE ol_event_hashes DROP COLUMN xact;
