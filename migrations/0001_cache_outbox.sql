-- Transactional invalidation outbox (ARCHITECTURE §5). A write inserts one row in the same
-- batch as its data; the writer applies it to Kv after commit, the sweeper applies leftovers.
-- (The runner itself keeps its bookkeeping in schema_migrations.)
CREATE TABLE cache_outbox (
  id          bigserial PRIMARY KEY,
  keys        text[] NOT NULL DEFAULT '{}',
  tags        text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  applied_at  timestamptz,
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text,
  CONSTRAINT cache_outbox_not_empty CHECK (cardinality(keys) + cardinality(tags) > 0)
);
CREATE INDEX cache_outbox_pending ON cache_outbox (id) WHERE applied_at IS NULL;
