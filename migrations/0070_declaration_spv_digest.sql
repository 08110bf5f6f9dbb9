-- The immutable half of verifying a declaration's SPV envelope (ADR 0052): what the envelope's
-- own bytes establish (txid, the block it names, the root its merkle path or BUMP folds to), as
-- packages/core/src/spv/envelope-digest.ts computes it. Derived data: null means "not computed
-- yet" and /ready computes it from proof_json and stores it; rows proven before this migration
-- fill in lazily on first read. Nothing here depends on the chain, so no reorg can stale it.
ALTER TABLE declarations ADD COLUMN spv_digest jsonb;

-- A digest describes exactly one envelope: a write that changes proof_json without writing a
-- digest with it clears the old one, so a digest can never outlive the bytes it was computed from.
CREATE FUNCTION declarations_clear_stale_digest() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.proof_json IS DISTINCT FROM OLD.proof_json AND NEW.spv_digest IS NOT DISTINCT FROM OLD.spv_digest THEN
    NEW.spv_digest := NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER declarations_digest_follows_proof
  BEFORE UPDATE ON declarations
  FOR EACH ROW EXECUTE FUNCTION declarations_clear_stale_digest();
