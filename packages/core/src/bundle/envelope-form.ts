/**
 * Envelopes come in two spellings of a BUMP proof: the catalog stores `proof: "<BUMP hex>"`
 * (catalog/proof.ts SpvEnvelopeShape), the SPV verifier reads `proof: {bump}`
 * (spv/envelope.ts). These convert between them; path proofs pass through unchanged.
 */

/** The verifier's form: a string proof becomes `{bump}`. */
export function toSpvForm(envelope: unknown): unknown {
  if (typeof envelope !== 'object' || envelope === null) return envelope;
  const proof = (envelope as { proof?: unknown }).proof;
  return typeof proof === 'string' ? { ...(envelope as object), proof: { bump: proof } } : envelope;
}

/** The catalog's stored form: `{bump}` becomes the BUMP hex string; `confirmations` is dropped (never trusted). */
export function toStoredForm(envelope: unknown): unknown {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return envelope;
  const { confirmations: _untrusted, ...rest } = envelope as Record<string, unknown>;
  const proof = rest.proof as { bump?: unknown } | undefined;
  if (typeof proof === 'object' && proof !== null && typeof proof.bump === 'string') return { ...rest, proof: proof.bump };
  return rest;
}
