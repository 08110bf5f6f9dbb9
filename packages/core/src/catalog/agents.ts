/**
 * Agent registry (`status unknown|up|down`, `lastPingAt`). Writes return statements; reads
 * run one query.
 */
import { z } from 'zod';
import { invalidInput, StrataError, type InputAt } from '../errors';
import type { Row, SqlParam, SqlSession, Statement } from '../ports/sql';
import { AGENT_ID, agentIdFor } from './ids';
import { AgentRegistration, AgentSearch, AgentStatus, type Agent } from './schema';

export { AgentRegistration, AgentSearch, AgentStatus } from './schema';
export type { Agent } from './schema';

function invalid(e: z.ZodError, at: InputAt): StrataError {
  return invalidInput(at, e.issues, 'name, webhookUrl, capabilities[] required');
}

/**
 * Statement registering an agent. An agent with an identity key belongs to that key: only a
 * request signed by it (`verifiedIdentityKey`) creates or changes it, and its id is derived
 * from (key, name), so retries are idempotent. A body `identityKey` must be that same key —
 * an unsigned registration cannot name one. Unsigned agents get a random id and are only ever
 * inserted, never updated: they cannot claim, collide with or overwrite a keyed agent. The
 * statement returns `agent_id` only when it wrote (interpretRegisterResult).
 */
export function registerAgent(
  input: unknown,
  now: Date,
  verifiedIdentityKey?: string | null,
): { agentId: string; statements: Statement[] } {
  const r = AgentRegistration.safeParse(input);
  if (!r.success) throw invalid(r.error, ['body']);
  const key = verifiedIdentityKey?.toLowerCase() ?? null;
  const named = r.data.identityKey?.toLowerCase();
  if (named !== undefined && key === null) {
    throw new StrataError('unauthorized', 'An agent with an identityKey must be registered by a request signed by that key.', { hint: 'identityKey-needs-signature' });
  }
  if (named !== undefined && named !== key) {
    throw new StrataError('forbidden', 'body.identityKey is not the key that signed the request.', { hint: 'identity-mismatch' });
  }
  const capabilities = [...new Set(r.data.capabilities)];
  const agentId = agentIdFor(r.data.name, key);
  const insert = `INSERT INTO agents (agent_id, name, webhook_url, capabilities, identity_key, created_at, updated_at)
                  VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6)`;
  return {
    agentId,
    statements: [
      {
        // keyed: update only a row of the same key; unsigned: a fresh random id, never an update
        text: key
          ? `${insert}
               ON CONFLICT (agent_id) DO UPDATE SET
                 webhook_url = EXCLUDED.webhook_url, capabilities = EXCLUDED.capabilities, updated_at = EXCLUDED.updated_at
               WHERE agents.identity_key = EXCLUDED.identity_key
               RETURNING agent_id`
          : `${insert} ON CONFLICT (agent_id) DO NOTHING RETURNING agent_id`,
        params: [agentId, r.data.name, r.data.webhookUrl, JSON.stringify(capabilities), key, now],
      },
    ],
  };
}

/** Throws `conflict` when a registration statement wrote nothing (its id belongs to another agent). */
export function interpretRegisterResult(rows: readonly Row[]): void {
  if (rows.length === 0) throw new StrataError('conflict', 'This agent id belongs to another agent; nothing was changed.', { hint: 'agent-id-taken' });
}

/** Parses an agent id; `bad-request` naming the field (at `at`, see parseHex64) otherwise. */
export function parseAgentId(s: unknown, at?: InputAt): string {
  if (typeof s !== 'string' || !AGENT_ID.test(s)) throw new StrataError('bad-request', 'agentId must be ag_ followed by 16 hex.', { hint: 'agentId', issues: [{ path: at ? at.join('.') : 'agentId', message: 'must be ag_ followed by 16 hex' }] });
  return s;
}

/** Statement recording a ping (status defaults to `up`); returns `agent_id`, no row → unknown agent. */
export function pingAgent(agentId: string, now: Date, status: AgentStatus = 'up'): Statement {
  return {
    text: `UPDATE agents SET status = $2, last_ping_at = $3, updated_at = $3 WHERE agent_id = $1 RETURNING agent_id`,
    params: [parseAgentId(agentId), AgentStatus.parse(status), now],
  };
}

/** Throws `not-found` when a ping statement touched no agent. */
export function interpretPingResult(rows: readonly Row[]): void {
  if (rows.length === 0) throw new StrataError('not-found', 'No agent has this id.', { hint: 'agent not found' });
}

const COLUMNS = `agent_id, name, capabilities, webhook_url, identity_key, status, last_ping_at`;

function toAgent(r: Row): Agent {
  return {
    agentId: r.agent_id as string,
    name: r.name as string,
    capabilities: r.capabilities as string[],
    webhookUrl: r.webhook_url as string,
    identityKey: (r.identity_key as string | null) ?? null,
    status: r.status as AgentStatus,
    lastPingAt: r.last_ping_at ? (r.last_ping_at as Date).toISOString() : null,
  };
}

/** One agent, or null. */
export async function getAgent(sql: SqlSession, agentId: string): Promise<Agent | null> {
  const rows = await sql.query(`SELECT ${COLUMNS} FROM agents WHERE agent_id = $1`, [parseAgentId(agentId)]);
  return rows[0] ? toAgent(rows[0]) : null;
}

/** Escapes LIKE wildcards so user text matches literally. */
export function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Agents whose name contains `q` and/or that declare `capability`; ordered by name, then id. */
export async function searchAgents(sql: SqlSession, query: AgentSearch): Promise<{ items: Agent[]; limit: number; offset: number }> {
  const r = AgentSearch.safeParse(query);
  if (!r.success) throw invalid(r.error, ['query']);
  const { q, capability, limit, offset } = r.data;
  const where: string[] = [];
  const params: SqlParam[] = [];
  if (q !== undefined && q.trim() !== '') {
    params.push(`%${likeLiteral(q.trim().toLowerCase())}%`);
    where.push(`lower(name) LIKE $${params.length} ESCAPE '\\'`);
  }
  if (capability !== undefined) {
    params.push(JSON.stringify([capability]));
    where.push(`capabilities @> $${params.length}::jsonb`);
  }
  params.push(limit, offset);
  const rows = await sql.query(
    `SELECT ${COLUMNS} FROM agents ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY lower(name), agent_id LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return { items: rows.map(toAgent), limit, offset };
}
