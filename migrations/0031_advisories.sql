-- Advisories (recalls): an admin marks versions or producers BLOCK or WARN. /ready turns false
-- for any lineage touching an active BLOCK. Queries: packages/core/src/advisories/repo.ts.
CREATE TABLE advisories (
  advisory_id TEXT PRIMARY KEY CHECK (advisory_id ~ '^adv_[0-9a-f]{16}$'),
  type        TEXT NOT NULL CHECK (type IN ('BLOCK', 'WARN')),
  reason      TEXT NOT NULL,
  payload     JSONB,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- null: active until further notice
  expires_at  TIMESTAMPTZ
);

CREATE TABLE advisory_targets (
  advisory_id TEXT NOT NULL REFERENCES advisories (advisory_id) ON DELETE CASCADE,
  target_type TEXT NOT NULL CHECK (target_type IN ('version', 'producer')),
  target_id   TEXT NOT NULL,
  PRIMARY KEY (advisory_id, target_type, target_id)
);
-- "which advisories name this version / producer" is the /ready lookup
CREATE INDEX idx_advisory_targets_target ON advisory_targets (target_type, target_id);
