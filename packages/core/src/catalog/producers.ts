/**
 * Producer registry. Writes return statements (the caller batches them with outbox and audit
 * rows); reads run one query. The id is derived from the identity key (see ids.ts).
 */
import { fieldIssues, StrataError, type FieldIssue, type InputAt } from '../errors';
import type { Row, SqlSession, Statement } from '../ports/sql';
import { PRODUCER_ID, producerIdOf } from './ids';
import { ProducerRegistration, type Producer } from './schema';

export { ProducerRegistration } from './schema';
export type { Producer } from './schema';

const IDENTITY_KEY = /^0[23][0-9a-fA-F]{64}$/;

function invalid(issues: FieldIssue[]): StrataError {
  return new StrataError('validation-failed', 'Invalid producer registration.', { issues });
}

/**
 * Statement registering (or updating) the producer of a verified identity key; idempotent
 * per key. Fields left out keep their stored values. Returns the producerId up front.
 */
export function registerProducer(
  identityKey: string,
  input: unknown,
  now: Date,
): { producerId: string; statements: Statement[] } {
  if (!IDENTITY_KEY.test(identityKey)) throw invalid([{ path: 'header.x-identity-key', message: 'must be a compressed public key' }]);
  const r = ProducerRegistration.safeParse(input ?? {});
  if (!r.success) throw invalid(fieldIssues(['body'], r.error.issues));
  const key = identityKey.toLowerCase();
  const producerId = producerIdOf(key);
  const { name, website, payoutScriptHex } = r.data;
  return {
    producerId,
    statements: [
      {
        text: `INSERT INTO producers (producer_id, identity_key, display_name, website, payout_script_hex, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $6)
               ON CONFLICT (producer_id) DO UPDATE SET
                 display_name = COALESCE(EXCLUDED.display_name, producers.display_name),
                 website = COALESCE(EXCLUDED.website, producers.website),
                 payout_script_hex = COALESCE(EXCLUDED.payout_script_hex, producers.payout_script_hex),
                 updated_at = EXCLUDED.updated_at
               RETURNING producer_id`,
        params: [producerId, key, name ?? null, website ?? null, payoutScriptHex ?? null, now],
      },
    ],
  };
}

const COLUMNS = `p.producer_id, p.identity_key, p.display_name, p.website, p.payout_script_hex, p.created_at`;

function toProducer(r: Row): Producer {
  return {
    producerId: r.producer_id as string,
    identityKey: r.identity_key as string,
    name: (r.display_name as string | null) ?? null,
    website: (r.website as string | null) ?? null,
    payoutScriptHex: (r.payout_script_hex as string | null) ?? null,
    createdAt: (r.created_at as Date).toISOString(),
  };
}

/** Parses a producer id; `bad-request` naming the field (at `at`, see parseHex64) otherwise. */
export function parseProducerId(s: unknown, at?: InputAt): string {
  if (typeof s !== 'string' || !PRODUCER_ID.test(s)) {
    throw new StrataError('bad-request', 'producerId must be prod_ followed by 16 hex.', { hint: 'producerId', issues: [{ path: at ? at.join('.') : 'producerId', message: 'must be prod_ followed by 16 hex' }] });
  }
  return s;
}

/** A producer profile, or null. */
export async function getProducer(sql: SqlSession, producerId: string): Promise<Producer | null> {
  const rows = await sql.query(`SELECT ${COLUMNS} FROM producers p WHERE p.producer_id = $1`, [parseProducerId(producerId)]);
  return rows[0] ? toProducer(rows[0]) : null;
}

/** The producer of a dataset's most recently published version, or null (GET /producers?datasetId=). */
export async function getProducerByDataset(sql: SqlSession, datasetId: string): Promise<Producer | null> {
  if (datasetId.length === 0 || datasetId.length > 256) {
    throw new StrataError('bad-request', 'datasetId must be 1..256 characters.', { hint: 'datasetId', issues: [{ path: 'datasetId', message: 'must be 1..256 characters' }] });
  }
  const rows = await sql.query(
    `SELECT ${COLUMNS} FROM assets a JOIN producers p ON p.producer_id = a.producer_id
      WHERE a.dataset_id = $1 ORDER BY a.updated_at DESC, a.version_id LIMIT 1`,
    [datasetId],
  );
  return rows[0] ? toProducer(rows[0]) : null;
}
