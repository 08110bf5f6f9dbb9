-- Catalog: producers, agents, DLM1 manifests, assets (the listing index), on-chain declarations
-- and version parent edges. Queries live in packages/core/src/catalog/*-repo.ts.

CREATE TABLE producers (
  producer_id       TEXT PRIMARY KEY CHECK (producer_id ~ '^prod_[0-9a-f]{16}$'),
  identity_key      TEXT NOT NULL CHECK (identity_key ~ '^0[23][0-9a-f]{64}$'),
  display_name      TEXT,
  website           TEXT,
  payout_script_hex TEXT CHECK (payout_script_hex ~ '^([0-9a-f]{2})+$'),
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_producers_identity ON producers (identity_key);

CREATE TABLE agents (
  agent_id     TEXT PRIMARY KEY CHECK (agent_id ~ '^ag_[0-9a-f]{16}$'),
  name         TEXT NOT NULL,
  webhook_url  TEXT NOT NULL,
  capabilities JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(capabilities) = 'array'),
  identity_key TEXT CHECK (identity_key ~ '^0[23][0-9a-f]{64}$'),
  status       TEXT NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'up', 'down')),
  last_ping_at TIMESTAMPTZ,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_agents_capabilities ON agents USING GIN (capabilities jsonb_path_ops);
CREATE INDEX idx_agents_name ON agents (lower(name), agent_id);

-- The manifest exactly as published (signatures included); version_id = sha256(canonical JSON).
CREATE TABLE manifests (
  version_id TEXT PRIMARY KEY CHECK (version_id ~ '^[0-9a-f]{64}$'),
  body       JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The listing index: one row per published version.
CREATE TABLE assets (
  version_id   TEXT PRIMARY KEY REFERENCES manifests (version_id),
  dataset_id   TEXT NOT NULL,
  producer_id  TEXT REFERENCES producers (producer_id),
  name         TEXT,
  description  TEXT,
  content_hash TEXT NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
  mime_type    TEXT,
  size_bytes   BIGINT,
  tags         TEXT[] NOT NULL DEFAULT '{}',
  policy_meta  JSONB NOT NULL DEFAULT '{}',
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- 'simple' config: no stemming, so dataset ids and names match token for token
  search       TSVECTOR GENERATED ALWAYS AS (
                 to_tsvector('simple',
                   coalesce(name, '') || ' ' || coalesce(description, '') || ' ' ||
                   dataset_id || ' ' || replace(replace(replace(dataset_id, '-', ' '), '_', ' '), '.', ' '))
               ) STORED
);
CREATE INDEX idx_assets_search ON assets USING GIN (search);
CREATE INDEX idx_assets_updated ON assets (updated_at DESC, version_id);
CREATE INDEX idx_assets_dataset ON assets (dataset_id, updated_at DESC, version_id);
CREATE INDEX idx_assets_producer ON assets (producer_id, updated_at DESC, version_id);

-- On-chain declaration of a version. A version is declared by exactly one tx: a second tx for the
-- same version violates declarations_version_once, which the publish verb maps to 409 conflict.
CREATE TABLE declarations (
  version_id TEXT NOT NULL REFERENCES manifests (version_id),
  txid       TEXT NOT NULL CHECK (txid ~ '^[0-9a-f]{64}$'),
  type       TEXT NOT NULL DEFAULT 'DLM1' CHECK (type IN ('DLM1')),
  status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed')),
  opret_vout INTEGER NOT NULL CHECK (opret_vout >= 0),
  raw_tx     TEXT NOT NULL,
  proof_json JSONB,
  block_hash TEXT CHECK (block_hash ~ '^[0-9a-f]{64}$'),
  height     INTEGER CHECK (height >= 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT declarations_version_once PRIMARY KEY (version_id),
  CONSTRAINT declarations_txid_once UNIQUE (txid)
);

-- Lineage parents as committed on chain. Parents need not be known here (the bundle reports
-- missing-manifest), so only the child is a foreign key.
CREATE TABLE edges (
  child_version_id  TEXT NOT NULL REFERENCES manifests (version_id),
  parent_version_id TEXT NOT NULL CHECK (parent_version_id ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (child_version_id, parent_version_id)
);
CREATE INDEX idx_edges_parent ON edges (parent_version_id, child_version_id);
