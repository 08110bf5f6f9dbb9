/**
 * Advisories in Postgres (migrations/0031_advisories.sql): create, list for a version, and the
 * active set for a whole lineage (one query) that /ready applies.
 */
import { auditOf, type Call } from '../context';
import type { Deps } from '../deps';
import { invalidInput } from '../errors';
import type { Row, SqlSession } from '../ports/sql';
import { stmt } from '../ports/sql';
import { commitWrite } from '../outbox/outbox';
import { cacheTags } from '../cache/keys';
import { NewAdvisory, type Advisory } from './schema';

const COLUMNS = `a.advisory_id, a.type, a.reason, a.payload, a.created_at, a.expires_at,
  coalesce(array_agg(t.target_id ORDER BY t.target_id) FILTER (WHERE t.target_type = 'version'), '{}') AS version_ids,
  coalesce(array_agg(t.target_id ORDER BY t.target_id) FILTER (WHERE t.target_type = 'producer'), '{}') AS producer_ids`;

function toAdvisory(r: Row): Advisory {
  return {
    advisoryId: r.advisory_id as string,
    type: r.type as Advisory['type'],
    reason: r.reason as string,
    payload: (r.payload as Record<string, unknown> | null) ?? null,
    createdAt: (r.created_at as Date).toISOString(),
    expiresAt: r.expires_at ? (r.expires_at as Date).toISOString() : null,
    targets: { versionIds: (r.version_ids as string[]) ?? [], producerIds: (r.producer_ids as string[]) ?? [] },
  };
}

function newAdvisoryId(): string {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return `adv_${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** Records an advisory (admin). Invalidates the targeted versions' derived caches (previews). */
export async function createAdvisory(call: Call<Pick<Deps, 'sql' | 'cache' | 'clock'>, { body: unknown }>): Promise<Advisory> {
  const { deps, ctx } = call;
  const parsed = NewAdvisory.safeParse(call.input.body);
  if (!parsed.success) throw invalidInput(['body'], parsed.error.issues, 'The advisory is not valid.');
  const a = parsed.data;
  const id = newAdvisoryId();
  const now = new Date(deps.clock.now());
  const versionIds = [...new Set(a.targets.versionIds ?? [])];
  const producerIds = [...new Set(a.targets.producerIds ?? [])];
  const targetTypes = [...versionIds.map(() => 'version'), ...producerIds.map(() => 'producer')];
  const targetIds = [...versionIds, ...producerIds];
  await commitWrite(
    { sql: deps.sql, cache: deps.cache, waitUntil: ctx.waitUntil },
    {
      statements: [
        stmt(`INSERT INTO advisories (advisory_id, type, reason, payload, created_at, expires_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6)`, [
          id,
          a.type,
          a.reason,
          a.payload === undefined ? null : JSON.stringify(a.payload),
          now,
          a.expiresAt ? new Date(a.expiresAt) : null,
        ]),
        stmt(`INSERT INTO advisory_targets (advisory_id, target_type, target_id) SELECT $1, t, i FROM unnest($2::text[], $3::text[]) AS x(t, i)`, [
          id,
          targetTypes,
          targetIds,
        ]),
      ],
      // readiness is never cached; policy previews of the named versions are
      invalidate: { keys: [], tags: [...versionIds.map((v) => cacheTags.version(v)), ...(producerIds.length > 0 ? [cacheTags.policies()] : [])] },
      audit: { ...auditOf(ctx), action: 'advisory.create', resource: `advisory:${id}`, after: { type: a.type, versionIds, producerIds } },
    },
  );
  return {
    advisoryId: id,
    type: a.type,
    reason: a.reason,
    payload: a.payload ?? null,
    createdAt: now.toISOString(),
    expiresAt: a.expiresAt ? new Date(a.expiresAt).toISOString() : null,
    targets: { versionIds: [...versionIds].sort(), producerIds: [...producerIds].sort() },
  };
}

/**
 * Advisories naming any of the versions or producers, newest first; with `activeAt`, only those
 * not expired at that time.
 */
export async function advisoriesFor(
  sql: SqlSession,
  targets: { versionIds: readonly string[]; producerIds: readonly string[] },
  opts: { activeAt?: Date; limit?: number } = {},
): Promise<Advisory[]> {
  if (targets.versionIds.length + targets.producerIds.length === 0) return [];
  const rows = await sql.query(
    `SELECT ${COLUMNS}
       FROM advisories a JOIN advisory_targets t USING (advisory_id)
      WHERE a.advisory_id IN (
              SELECT advisory_id FROM advisory_targets
               WHERE (target_type = 'version' AND target_id = ANY($1::text[]))
                  OR (target_type = 'producer' AND target_id = ANY($2::text[])))
        AND ($3::timestamptz IS NULL OR a.expires_at IS NULL OR a.expires_at > $3::timestamptz)
      GROUP BY a.advisory_id
      ORDER BY a.created_at DESC, a.advisory_id
      LIMIT $4`,
    [[...targets.versionIds], [...targets.producerIds], opts.activeAt ?? null, opts.limit ?? 200],
  );
  return rows.map(toAdvisory);
}

/** GET /advisories?versionId=: advisories naming the version or its producer (expired ones included, marked by expiresAt). */
export async function listAdvisoriesForVersion(call: Call<Pick<Deps, 'sql'>, { versionId: string }>): Promise<Advisory[]> {
  const { deps, input: { versionId } } = call;
  const rows = await deps.sql.query(`SELECT producer_id FROM assets WHERE version_id = $1`, [versionId]);
  const producer = rows[0]?.producer_id as string | null | undefined;
  return advisoriesFor(deps.sql, { versionIds: [versionId], producerIds: producer ? [producer] : [] });
}
