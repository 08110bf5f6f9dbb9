-- Identity-signature nonces (docs/identity-signing.md). A nonce is claimed by the same
-- transaction as the write it authorises: a plain INSERT, so a second use of (key, nonce) is a
-- unique violation that rolls the whole write back. Rows are pruned once their signature's
-- timestamp is outside the accepted window (the `identity-nonce-prune` schedule): such a
-- signature is refused on its timestamp before the nonce is ever looked at.
CREATE TABLE identity_nonces (
  identity_key TEXT NOT NULL CHECK (identity_key ~ '^0[23][0-9a-f]{64}$'),
  nonce        TEXT NOT NULL CHECK (length(nonce) BETWEEN 8 AND 128),
  -- the X-Timestamp the signature carried
  signed_at    TIMESTAMPTZ NOT NULL,
  claimed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT identity_nonces_pkey PRIMARY KEY (identity_key, nonce)
);
CREATE INDEX idx_identity_nonces_signed_at ON identity_nonces (signed_at);
