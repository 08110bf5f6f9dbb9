-- Dead letters (ARCHITECTURE §3 Queue): jobs that kept failing after their last attempt, kept
-- in Postgres so they can be inspected and replayed. One row per message id; recording the same
-- message again (at-least-once delivery) updates the row instead of duplicating it.
CREATE TABLE dead_letters (
  id              text PRIMARY KEY,
  job_type        text NOT NULL,
  payload         jsonb NOT NULL,
  attempts        integer NOT NULL,
  last_error      text NOT NULL,
  first_failed_at timestamptz NOT NULL DEFAULT now(),
  last_failed_at  timestamptz NOT NULL DEFAULT now(),
  replayed_at     timestamptz
);
-- Serves "pending (replayed_at IS NULL), oldest failure first" for listing and replay.
CREATE INDEX dead_letters_pending ON dead_letters (replayed_at, last_failed_at);
