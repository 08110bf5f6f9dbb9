/**
 * A small world for the payments suites: versions published by a producer key, payment
 * transactions built with @bsv/sdk that pay a quote's outputs from a signed P2PKH input, and a
 * chain mined in-process whose blocks really contain those payments (headers posted over HTTP).
 */
import type { PrivateKey } from '@bsv/sdk';
import type { TestStack } from './deps';
import { buildPayment, PayChain, type Mined, type Payment } from './payments-verbs';
import { makePublication, type Publication } from './dlm1';
import { call, replyFrom, replyOf, submit, type Reply } from './catalog-http';
import { clientOf } from './client';

export { buildPayment, call, PayChain, type Mined, type Payment, type Reply };

/** A version whose manifest names `producer` (so the catalog records it as the owner). */
export async function publishFor(stack: TestStack, producer: PrivateKey, overrides: Record<string, unknown> = {}): Promise<Publication> {
  // the manifest names the producer and carries its signature over the versionId (a producer is who signed)
  const pub = makePublication({ provenance: { createdAt: '2025-01-01T00:00:00Z' }, ...overrides }, { signer: producer });
  const r = await submit(stack, pub);
  if (r.status !== 201) throw new Error(`publish failed: ${r.status} ${JSON.stringify(r.body)}`);
  return pub;
}

/** An identity-signed JSON POST through the typed client, signed by `key` at the server's time (suites run a manual clock). */
export async function signedPost(stack: TestStack, key: PrivateKey, path: string, body: unknown): Promise<Reply> {
  return replyFrom(await clientOf(stack, { signer: key }).request('POST', path, { body }));
}

/** A PayChain that posts what it mines to the stack's header store through POST /headers. */
export function payChainOf(stack: TestStack): PayChain {
  return new PayChain(async (hexes, checkpoint) => {
    const r = replyOf(await clientOf(stack).api.POST('/headers', { body: { headers: hexes, ...(checkpoint ? { startHeight: 0 } : {}) } }));
    if (r.status !== 200) throw new Error(`headers: ${r.status} ${JSON.stringify(r.body)}`);
  });
}
