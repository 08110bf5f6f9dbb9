/**
 * Catalog identifiers. Producer ids are derived from the identity key, so registering twice,
 * or publishing before registering, always lands on the same row.
 */
import { sha256Hex } from '../util/hash';
import { bytesToHex } from '../util/hex';

export const PRODUCER_ID = /^prod_[0-9a-f]{16}$/;
export const AGENT_ID = /^ag_[0-9a-f]{16}$/;

/** `prod_` + the first 16 hex of sha256(identity key, lower-case). */
export function producerIdOf(identityKey: string): string {
  return `prod_${sha256Hex(identityKey.toLowerCase()).slice(0, 16)}`;
}

/**
 * Agent id: derived from (identity key, name) when the agent is signed, so a retried
 * registration is idempotent; random otherwise (anonymous agents have no stable owner).
 */
export function agentIdFor(name: string, identityKey?: string | null): string {
  if (identityKey) return `ag_${sha256Hex(`agent\n${identityKey.toLowerCase()}\n${name}`).slice(0, 16)}`;
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return `ag_${bytesToHex(b)}`;
}
