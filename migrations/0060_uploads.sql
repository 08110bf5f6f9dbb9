-- Content uploads: one row per upload of a version's content to the blob store, at
-- `<tier>/<contentHash>`. Delivery (GET /v1/data) serves only content whose upload is `verified`,
-- so "the object exists" is answered by PostgreSQL, not by a store round trip.
-- Queries live in packages/core/src/uploads/repo.ts; decisions in ADR 0047.
CREATE TABLE content_uploads (
  upload_id       TEXT PRIMARY KEY CHECK (upload_id ~ '^upl_[0-9a-f]{24}$'),
  content_hash    TEXT NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
  version_id      TEXT NOT NULL REFERENCES manifests (version_id),
  -- the producer key that signed the request; only it may continue the upload
  identity_key    TEXT NOT NULL CHECK (identity_key ~ '^0[23][0-9a-f]{64}$'),
  tier            TEXT NOT NULL DEFAULT 'hot' CHECK (tier IN ('hot', 'warm', 'cold')),
  size_bytes      BIGINT NOT NULL CHECK (size_bytes >= 0 AND size_bytes <= 9007199254740991),
  mime_type       TEXT NOT NULL,
  mode            TEXT NOT NULL CHECK (mode IN ('single', 'multipart')),
  -- multipart: the store's upload id and the part size every part but the last has
  store_upload_id TEXT,
  part_size       BIGINT CHECK (part_size > 0),
  -- pending → verified (single: the store checked the SHA-256 on PUT);
  -- pending → verifying → verified|failed (multipart: a job reads the object and hashes it);
  -- pending → aborted (abandoned; the schedule discards the parts)
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verifying', 'verified', 'failed', 'aborted')),
  failure         TEXT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  verified_at     TIMESTAMPTZ,
  CHECK ((mode = 'multipart') = (store_upload_id IS NOT NULL AND part_size IS NOT NULL))
);
-- at most one verified copy per content, and one upload in flight per content, so two uploads
-- never write the same key at once
CREATE UNIQUE INDEX content_uploads_verified ON content_uploads (content_hash) WHERE status = 'verified';
CREATE UNIQUE INDEX content_uploads_open ON content_uploads (content_hash) WHERE status IN ('pending', 'verifying');
CREATE INDEX content_uploads_abandoned ON content_uploads (created_at) WHERE status = 'pending';
