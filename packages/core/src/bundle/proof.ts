/**
 * POST /declarations/:txid/proof, the trust half: verify the SPV envelope against the header
 * store BEFORE anything is stored, then store it with the catalog's statement (prepareProof),
 * an outbox row invalidating the version's detail and every bundle that can include the
 * version (it and its descendants), and an audit row — one round trip.
 */
import { auditOf, type Call } from '../context';
import type { Deps } from '../deps';
import { StrataError } from '../errors';
import { getDeclarationByTxid, interpretProofResult, parseEnvelopeShape, prepareProof } from '../catalog/proof';
import { parseHex64 } from '../catalog/hex';
import { cacheKeys } from '../cache/keys';
import { commitWrite } from '../outbox/outbox';
import { storeChainView } from '../spv/header-store';
import { verifyEnvelope, type ChainView } from '../spv/envelope';
import { isBeefEnvelope, resolveBeefEnvelope } from '../spv/beef';
import { digestEnvelope } from '../spv/envelope-digest';
import { toSpvForm, toStoredForm } from './envelope-form';
import { versionTags, withDescendants } from './invalidate';
import type { StoredProof } from './schema';

export type { StoredProof };

/**
 * Verifies `envelope` for the declaration made by `txid` and stores it. Errors: 400 for a
 * malformed envelope (each field named); 404 unknown txid; 409 `invalid-envelope` with the SPV
 * reason as hint (`txid-mismatch-declaration` when it proves another tx); 503 without headers.
 */
export async function verifyAndStoreProof(call: Call<Pick<Deps, 'sql' | 'cache' | 'clock' | 'config'>, { txid: string; envelope: unknown }>): Promise<StoredProof> {
  const { deps, ctx, input } = call;
  const txid = parseHex64('txid', input.txid, ['path', 'txid']);
  const shape = parseEnvelopeShape(toStoredForm(await expandBeef(input.envelope, storeChainView(deps.sql))));
  const decl = await getDeclarationByTxid(deps.sql, txid);
  if (decl === null) throw new StrataError('not-found', 'No declaration has this txid.', { hint: 'txid not found' });
  const r = await verifyEnvelope(toSpvForm(shape), storeChainView(deps.sql));
  if (!r.ok) throw rejection(r);
  if (r.txid !== txid) {
    throw new StrataError('invalid-envelope', `The envelope proves transaction ${r.txid}, not ${txid}.`, { hint: 'txid-mismatch-declaration' });
  }
  // the chain-independent half, recorded once so /ready never folds this path again (ADR 0052)
  const digest = await digestEnvelope(toSpvForm(shape));
  const statement = prepareProof({ txid, envelope: shape, verified: { blockHash: r.blockHash, height: r.blockHeight, digest }, now: new Date(deps.clock.now()) });
  const versions = await withDescendants(deps.sql, [decl.versionId], deps.config.BUNDLE_MAX_DEPTH);
  const { results } = await commitWrite(
    { sql: deps.sql, cache: deps.cache, waitUntil: ctx.waitUntil },
    {
      statements: [statement],
      invalidate: { keys: [cacheKeys.asset(decl.versionId)], tags: versionTags(versions) },
      audit: {
        ...auditOf(ctx),
        action: 'catalog.proof',
        resource: `version:${decl.versionId}`,
        after: { txid, blockHash: r.blockHash, height: r.blockHeight },
      },
    },
  );
  const versionId = interpretProofResult(results[0] ?? []);
  return { status: 'confirmed', txid, versionId, blockHash: r.blockHash, height: r.blockHeight, confirmations: r.confirmations };
}

function rejection(r: { reason: string; detail?: string }): StrataError {
  if (r.reason === 'headers-unavailable') {
    return new StrataError('unavailable', 'No block headers are available to verify the proof against.', { hint: 'headers-unavailable' });
  }
  return new StrataError('invalid-envelope', `The SPV envelope does not verify (${r.reason}${r.detail ? `: ${r.detail}` : ''}).`, { hint: r.reason });
}

/** A BEEF envelope becomes the ordinary form it proves, so what is stored re-verifies like any other. */
async function expandBeef(envelope: unknown, view: ChainView): Promise<unknown> {
  if (!isBeefEnvelope(envelope)) return envelope;
  const r = await resolveBeefEnvelope(envelope, view);
  if (!r.ok) throw rejection(r);
  return r.envelope;
}
