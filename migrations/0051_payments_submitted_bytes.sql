-- The payment exactly as the buyer submitted it (raw, Extended Format or BEEF), so the
-- receipt-reconcile schedule can re-send a claim whose broadcast outcome was never learned
-- (ARC unreachable, or the process died between broadcast and commit). ADR 0044.
ALTER TABLE payments ADD COLUMN submitted BYTEA;
-- claims still waiting for a known broadcast outcome
CREATE INDEX idx_payments_claimed ON payments (updated_at) WHERE state = 'claimed';
-- when the receipt-reconcile schedule last looked at the payment (it takes the least recent first)
ALTER TABLE payments ADD COLUMN checked_at TIMESTAMPTZ;
