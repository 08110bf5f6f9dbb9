/**
 * The credentials an operation can need, declared once as OpenAPI security schemes and named
 * per route (`security: SECURITY.admin`). The middleware that enforces them is
 * middleware/auth.ts (bearer tokens) and middleware/identity.ts (identity signatures); the
 * route lists both side by side so the document says what the middleware checks.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';

type Requirement = Record<string, string[]>;

export const SECURITY_SCHEMES = {
  adminBearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The admin token (`ADMIN_TOKEN`; generated into `.strata/tokens.json` on a local first start): `Authorization: Bearer <token>`. It also passes wherever the ingest token is asked for.',
  },
  ingestBearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'The ingest token (`INGEST_TOKEN`), for OpenLineage producers: `Authorization: Bearer <token>`.',
  },
  identityKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Identity-Key',
    description: 'Identity signature, part 1 of 3: the signer’s compressed secp256k1 public key (66 hex characters).',
  },
  identityNonce: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Nonce',
    description:
      'Identity signature, part 2 of 3: a single-use nonce (8–128 characters), remembered per key in PostgreSQL while its `X-Timestamp` is inside the window. The scheme also needs `X-Timestamp` (Unix seconds, within `IDENTITY_WINDOW_SEC` of the server clock).',
  },
  identitySignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature',
    description:
      'Identity signature, part 3 of 3 (scheme v2, docs/identity-signing.md): ECDSA (DER or 64-byte compact, hex) by the identity key over sha256 of `strata-identity-v2`, the method, the path with query, `X-Timestamp`, `X-Nonce` and the exact body, joined by newlines. A missing header, a timestamp outside the window or a bad signature answers `invalid-signature`, a reused nonce `nonce-replayed`.',
  },
  arcCallbackBearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The token ARC sends with its status callbacks (`ARC_CALLBACK_TOKEN`, at least 16 characters): `Authorization: Bearer <token>`. Without a configured token every callback is refused.',
  },
  presignedUrl: {
    type: 'apiKey',
    in: 'query',
    name: 'sig',
    description:
      'A presigned blob URL of the embedded store: `?method=GET|PUT&expires=<epoch s>[&sha256=<hex>][&contentType=…]&sig=<HMAC-SHA256 hex>`, issued by the server (`BLOB_SIGNING_SECRET`); it fixes the method, key, expiry and, for PUT, the only bytes accepted.',
  },
} as const;

const IDENTITY: Requirement = { identityKey: [], identityNonce: [], identitySignature: [] };

/** Per-operation requirements: alternatives are ORed, the members of one object ANDed. */
export const SECURITY = {
  /** No credential: the explicit public marker (`security: []`). */
  public: [] as Requirement[],
  admin: [{ adminBearer: [] }] as Requirement[],
  /** The ingest token, or the admin token. */
  ingest: [{ ingestBearer: [] }, { adminBearer: [] }] as Requirement[],
  identity: [IDENTITY] as Requirement[],
  /** Unsigned calls pass as anonymous; a signature, when sent, must verify. */
  identityOptional: [{}, IDENTITY] as Requirement[],
  presignedUrl: [{ presignedUrl: [] }] as Requirement[],
  /** ARC's status callback: its own bearer token, no other credential. */
  arcCallback: [{ arcCallbackBearer: [] }] as Requirement[],
};

export function registerSecuritySchemes(app: OpenAPIHono<AppEnv>): void {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
}
