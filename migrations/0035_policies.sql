-- D28 policies and the audit of every evaluation. Queries live in packages/core/src/policy/repo.ts.

CREATE TABLE policies (
  policy_id  TEXT PRIMARY KEY CHECK (policy_id ~ '^pol_[0-9a-z_]{1,64}$'),
  name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
  enabled    BOOLEAN NOT NULL DEFAULT true,
  doc        JSONB NOT NULL CHECK (jsonb_typeof(doc) = 'object'),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_policies_created ON policies (created_at DESC, policy_id);
CREATE INDEX idx_policies_enabled ON policies (enabled, created_at DESC, policy_id);

-- One row per evaluation. No foreign keys: runs are an audit trail and outlive the policy (a
-- deleted policy keeps its history) and inline policies have no id at all; policy_hash (SHA-256
-- of the canonical policy JSON) says exactly which rules were applied either way.
CREATE TABLE policy_runs (
  id          BIGSERIAL PRIMARY KEY,
  policy_id   TEXT,
  policy_hash TEXT NOT NULL CHECK (policy_hash ~ '^[0-9a-f]{64}$'),
  version_id  TEXT NOT NULL CHECK (version_id ~ '^[0-9a-f]{64}$'),
  decision    TEXT NOT NULL CHECK (decision IN ('allow', 'warn', 'block')),
  reasons     JSONB NOT NULL DEFAULT '[]',
  warnings    JSONB NOT NULL DEFAULT '[]',
  evidence    JSONB NOT NULL DEFAULT '{}',
  source      TEXT NOT NULL DEFAULT 'evaluate' CHECK (source IN ('evaluate', 'ready')),
  at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_policy_runs_version ON policy_runs (version_id, at DESC);
CREATE INDEX idx_policy_runs_policy ON policy_runs (policy_id, at DESC) WHERE policy_id IS NOT NULL;
CREATE INDEX idx_policy_runs_at ON policy_runs (at);
