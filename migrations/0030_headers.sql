-- Block headers for SPV. Every header Strata has accepted, on any branch; `on_best` marks the
-- branch with the most accumulated work. "Is X on the best chain" is a primary-key lookup and
-- "tip" / "header at height" are one probe of the partial unique index below.
CREATE TABLE block_headers (
  hash        text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
  prev_hash   text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  height      integer NOT NULL CHECK (height >= 0),
  -- accumulated work up to and including this header (checkpoint: its own work only)
  chainwork   numeric NOT NULL CHECK (chainwork > 0),
  merkle_root text NOT NULL CHECK (merkle_root ~ '^[0-9a-f]{64}$'),
  time        bigint NOT NULL,
  bits        bigint NOT NULL,
  raw         bytea NOT NULL CHECK (octet_length(raw) = 80),
  on_best     boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- at most one best-chain header per height; also serves tip (ORDER BY height DESC LIMIT 1)
CREATE UNIQUE INDEX block_headers_best_height ON block_headers (height) WHERE on_best;
