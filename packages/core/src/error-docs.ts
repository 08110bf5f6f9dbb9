/**
 * What each error code means and what a client should do about it. One entry per code in
 * ERROR_CODES (the Record type makes a new code without documentation a type error); the
 * served errors page (`/docs/errors`), docs/errors.md and the OpenAPI document are generated
 * from this table, and every problem's `type` points at its entry.
 */
import type { ErrorCode } from './errors';

export interface ErrorDoc {
  /** Short human title (the problem's `title`). */
  readonly title: string;
  /** When the code is returned. */
  readonly meaning: string;
  /** What the client should do. */
  readonly action: string;
}

export const ERROR_DOCS: Record<ErrorCode, ErrorDoc> = {
  'bad-request': {
    title: 'Bad request',
    meaning: 'The request cannot be read: the body is not JSON, a required member is missing, or a value has the wrong shape for this operation (the `detail` and `hint` say which).',
    action: 'Fix the request as `detail` describes and send it again; retrying it unchanged fails the same way.',
  },
  'validation-failed': {
    title: 'Validation failed',
    meaning: 'The request was read but a field is not valid. `issues` lists every offending field by its path in the request — its request part, then the path inside it: `body.<path>` (`body.manifest.content.contentHash`, `body.policy.minConfs`, `body.3.run.runId`), `query.<name>` (`query.limit`), `path.<param>` (`path.versionId`) or `header.<name>` — with the rule it breaks.',
    action: 'Correct each field named in `issues` and send the request again.',
  },
  unauthorized: {
    title: 'Unauthorized',
    meaning: 'The operation needs a bearer token (admin or ingest) and none was sent, or the one sent is not valid.',
    action: 'Send `Authorization: Bearer <token>` with the token the operation names (see its security requirement). A local server writes its generated tokens to `.strata/tokens.json`.',
  },
  forbidden: {
    title: 'Forbidden',
    meaning: 'The caller is known but may not do this: a presigned blob URL that is malformed, expired or signed for another method, or an agent ping not signed by the agent’s identity key.',
    action: 'Do not retry as is: request a new presigned URL, or sign with the identity that owns the resource.',
  },
  'not-found': {
    title: 'Not found',
    meaning: 'No route matches the method and path, or the resource named in the path or query (version, producer, agent, policy, dataset, job, run, block headers) does not exist.',
    action: 'Check the identifier (versions are 64 hex characters) and the path against this reference. A version published a moment ago may take a second to appear in cached reads.',
  },
  conflict: {
    title: 'Conflict',
    meaning: 'The request contradicts stored state: most often the version is already declared by another transaction, or the manifest does not match what the transaction commits to.',
    action: 'Read the current state (e.g. `GET /listings/{versionId}`) and reconcile; re-sending the same request will not succeed.',
  },
  'payload-too-large': {
    title: 'Payload too large',
    meaning: 'The body exceeds the size limit of the operation (`BODY_LIMIT_BYTES`, 1 MiB by default; an OpenLineage event `OL_MAX_EVENT_BYTES`; a batch 8 MiB decompressed; a canonical manifest 64 KiB).',
    action: 'Send less per request: split lineage batches, shrink the manifest.',
  },
  'unsupported-media-type': {
    title: 'Unsupported media type',
    meaning: 'The body’s `Content-Type` or `Content-Encoding` is not accepted (lineage ingest takes JSON, plain or gzip).',
    action: 'Send `Content-Type: application/json` and, if compressed, `Content-Encoding: gzip`.',
  },
  'rate-limited': {
    title: 'Too many requests',
    meaning: 'This client used its request budget for the current minute (public reads, publishing, lineage queries and policy evaluation each have one).',
    action: 'Wait the number of seconds in the `Retry-After` header, then retry. `RateLimit-*` headers show the budget.',
  },
  unavailable: {
    title: 'Service unavailable',
    meaning: 'A storage tier the operation needs (database, cache, blob store, queue, nonce store) did not answer. Nothing was half-written: the operation either completed before the failure or not at all.',
    action: 'Retry later with backoff (honour `Retry-After` when present). `GET /health` names the failing tier.',
  },
  internal: {
    title: 'Internal error',
    meaning: 'An unexpected error on the server. The response carries no internals; the server log has the details under the `requestId`.',
    action: 'Retry once; if it persists, report the `requestId` to the operator.',
  },
  'invalid-envelope': {
    title: 'Invalid SPV envelope',
    meaning: 'An SPV envelope does not verify: its Merkle proof does not lead to a known block header, or it proves another transaction than the declaration (`hint` carries the reason, e.g. `txid-mismatch-declaration`).',
    action: 'Send an envelope for the declaring transaction whose block is in the header store (`GET /headers/tip`; an operator posts headers with `POST /headers`).',
  },
  'incomplete-lineage': {
    title: 'Incomplete lineage',
    meaning: 'A bundle cannot be built because a version in the lineage has no manifest or no SPV envelope yet (`hint`: `missing-manifest:<versionId>` or `missing-envelope:<versionId>`).',
    action: 'Publish the missing parent, or attach its proof with `POST /declarations/{txid}/proof`, then ask again.',
  },
  'policy-not-found': {
    title: 'Policy not found',
    meaning: 'The `policyId` given to an evaluation or readiness check does not exist or is disabled.',
    action: 'List policies with `GET /policies`, or pass the policy inline (`policy`) to `POST /policies/evaluate`.',
  },
  'quote-expired': {
    title: 'Quote expired',
    meaning: 'A payment was submitted after its receipt’s quote expired (410; `hint` gives when).',
    action: 'Ask for a new quote (`POST /payments/quote`) and build the payment from its outputs.',
  },
  'template-mismatch': {
    title: 'Template mismatch',
    meaning: 'A payment transaction does not pay every output of its quote with at least its amount (409; Strata parses the transaction itself).',
    action: 'Build the payment from the quote’s outputs exactly: every script, at least every amount.',
  },
  'already-consumed': {
    title: 'Already consumed',
    meaning: 'A single-use receipt was already used for its one download (`GET /v1/data`, 409).',
    action: 'Do not retry with this receipt; buy again (`POST /pay`) for a new one.',
  },
  'content-mismatch': {
    title: 'Content mismatch',
    meaning: 'Content and its declared SHA-256 disagree (409): bytes PUT to a presigned `/blobs` URL are not the ones it was signed for, a `POST /v1/uploads` names a version whose manifest declares another `contentHash`, or a `GET /v1/data` asks for other content than its receipt was bought for.',
    action: 'Upload exactly the bytes whose hash was declared (or request a URL for the new hash); download with the `contentHash` of the receipt’s version.',
  },
  'quota-exceeded': {
    title: 'Quota exceeded',
    meaning: 'The receipt has not enough bytes left for another download of the whole object (`GET /v1/data`, 409; every issued URL counts the object’s size, `hint` gives limit, used and size).',
    action: 'Do not retry with this receipt; buy again (`POST /pay`) for a new allowance.',
  },
  expired: {
    title: 'Expired',
    meaning: 'The receipt is past its expiry (`GET /v1/data`, 403); it is marked expired and serves no more downloads.',
    action: 'Buy again (`POST /pay`) for a new receipt.',
  },
  'invalid-signature': {
    title: 'Invalid identity signature',
    meaning: 'An identity-signed request (`X-Identity-Key`, `X-Timestamp`, `X-Nonce`, `X-Signature`) is missing a header, its timestamp is outside the accepted window, or its signature does not verify over the v2 message (method, path with query, timestamp, nonce, exact body) with that key (`hint` says which).',
    action: 'Sign as docs/identity-signing.md describes, with the current Unix time in `X-Timestamp`, and send all four headers.',
  },
  'nonce-replayed': {
    title: 'Nonce replayed',
    meaning: 'The `X-Nonce` of this identity-signed request was already used by the same key (nonces are remembered in PostgreSQL for as long as their timestamp is inside the window).',
    action: 'Sign again with a fresh random nonce (8–128 characters).',
  },
  'invalid-state': {
    title: 'Invalid state',
    meaning: 'The receipt (or payment) is not in a state that allows this step: for example a quote for a receipt already paid, a submit for an expired or consumed receipt, or a second, different transaction for a receipt that already has one (409; `hint` names the state).',
    action: 'Read the receipt (`GET /payments/:receiptId`) and continue from its state; a new purchase starts with `POST /pay`.',
  },
  'broadcast-rejected': {
    title: 'Broadcast rejected',
    meaning: 'The transaction broadcaster (ARC) refused the payment transaction, e.g. as malformed, double-spending or paying too low a fee (422; `hint` carries ARC’s status and reason).',
    action: 'Fix the transaction as the hint says and submit it again; the receipt stays payable until it expires.',
  },
};
