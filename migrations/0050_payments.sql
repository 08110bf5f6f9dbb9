-- Payments: price rules, receipts (with their quote and data-access quota) and the payment of
-- each receipt. Queries live in packages/core/src/payments/repo.ts; decisions in ADR 0044.
--
-- Amounts are satoshis below 2^53 so they survive JSON numbers on the wire.

-- Price resolution for a version: version rule > version override > producer rule > default.
-- A rule row is either for one version or for every version of one producer.
CREATE TABLE price_rules (
  scope      TEXT NOT NULL CHECK (scope IN ('version', 'producer')),
  scope_id   TEXT NOT NULL CHECK (
               (scope = 'version' AND scope_id ~ '^[0-9a-f]{64}$') OR
               (scope = 'producer' AND scope_id ~ '^prod_[0-9a-f]{16}$')),
  satoshis   BIGINT NOT NULL CHECK (satoshis > 0 AND satoshis <= 9007199254740991),
  set_by     TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, scope_id)
);

-- The producer's own price for one version (POST /price).
CREATE TABLE price_overrides (
  version_id TEXT PRIMARY KEY REFERENCES manifests (version_id),
  satoshis   BIGINT NOT NULL CHECK (satoshis > 0 AND satoshis <= 9007199254740991),
  set_by     TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A purchase of `quantity` units of one version. Status moves only along
--   pending → paid → confirmed, paid|confirmed → consumed, pending|paid|confirmed → expired,
--   and confirmed → paid when a reorg drops the payment's block;
-- every move is one conditional UPDATE (WHERE status = <from>) with its audit row.
CREATE TABLE receipts (
  receipt_id     TEXT PRIMARY KEY CHECK (receipt_id ~ '^rcpt_[0-9a-f]{32}$'),
  version_id     TEXT NOT NULL REFERENCES manifests (version_id),
  content_hash   TEXT NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
  producer_id    TEXT REFERENCES producers (producer_id),
  status         TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'paid', 'confirmed', 'consumed', 'expired')),
  quantity       INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_sat BIGINT NOT NULL CHECK (unit_price_sat > 0),
  amount_sat     BIGINT NOT NULL CHECK (amount_sat = unit_price_sat * quantity AND amount_sat <= 9007199254740991),
  -- data access: bytes_limit = quantity × unit_bytes; bytes_used grows atomically per delivery
  unit_bytes     BIGINT NOT NULL CHECK (unit_bytes > 0),
  bytes_limit    BIGINT NOT NULL CHECK (bytes_limit = unit_bytes * quantity),
  bytes_used     BIGINT NOT NULL DEFAULT 0 CHECK (bytes_used >= 0 AND bytes_used <= bytes_limit),
  single_use     BOOLEAN NOT NULL DEFAULT false,
  consumed_at    TIMESTAMPTZ,
  -- while pending: when the offer lapses; once paid: until when the bytes may be fetched
  expires_at     TIMESTAMPTZ NOT NULL,
  -- the payment template (POST /payments/quote); fixed once issued, re-dated when it lapses
  quote_outputs       JSONB CHECK (quote_outputs IS NULL OR jsonb_typeof(quote_outputs) = 'array'),
  quote_template_hash TEXT CHECK (quote_template_hash ~ '^[0-9a-f]{64}$'),
  quote_expires_at    TIMESTAMPTZ,
  -- the payment that moved it to paid (payments row below) and its confirmation
  payment_txid   TEXT CHECK (payment_txid ~ '^[0-9a-f]{64}$'),
  paid_at        TIMESTAMPTZ,
  confirmed_at   TIMESTAMPTZ,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT receipts_paid_has_txid CHECK (status IN ('pending', 'expired') OR payment_txid IS NOT NULL)
);
CREATE INDEX idx_receipts_version ON receipts (version_id, created_at DESC);
-- the reconcile schedule walks paid (and confirmed, for reorgs) receipts and lapsed pending ones
CREATE INDEX idx_receipts_status ON receipts (status, updated_at) WHERE status IN ('pending', 'paid', 'confirmed');

-- The one payment of a receipt. The row is claimed (INSERT) before the transaction is broadcast,
-- so of N concurrent submits for one receipt exactly one proceeds; a definite broadcast
-- rejection deletes the claim so another transaction may be tried.
CREATE TABLE payments (
  receipt_id    TEXT PRIMARY KEY REFERENCES receipts (receipt_id),
  txid          TEXT NOT NULL CHECK (txid ~ '^[0-9a-f]{64}$'),
  raw_tx        BYTEA NOT NULL,
  broadcaster   TEXT NOT NULL CHECK (broadcaster IN ('dryrun', 'arc')),
  -- claimed: stored, broadcast outcome unknown; accepted: the broadcaster took it
  state         TEXT NOT NULL DEFAULT 'claimed' CHECK (state IN ('claimed', 'accepted')),
  tx_status     TEXT,
  outputs       JSONB NOT NULL CHECK (jsonb_typeof(outputs) = 'array'),
  fee_sat       BIGINT CHECK (fee_sat >= 0),
  -- the verified SPV proof, when there is one
  proof_json    JSONB,
  block_hash    TEXT CHECK (block_hash ~ '^[0-9a-f]{64}$'),
  block_height  INTEGER CHECK (block_height >= 0),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT payments_txid_once UNIQUE (txid)
);
