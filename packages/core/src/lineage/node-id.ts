/**
 * Node ids `dataset:<namespace>:<name>`. Namespaces (`overlay:prod`, `postgres://h:5432`) and
 * names (`topic:p:t`) may both contain ':', so the text alone cannot say where the namespace
 * ends. Parsing yields every possible split; the store decides which one exists
 * (`resolveDataset`). When several exist, the longest namespace wins — for D41's
 * `dataset:overlay:<env>:<versionId>` that is the "split at the last colon" reading.
 */
import type { Sql } from '../ports/sql';
import { OL_LIMITS } from './limits';

export interface DatasetKey {
  readonly namespace: string;
  readonly name: string;
}

const PREFIX = 'dataset:';
/** Longest node id accepted: both parts at their cap plus the separators. */
export const MAX_NODE_ID_LENGTH = PREFIX.length + 2 * OL_LIMITS.maxNameLength + 1;

/** The canonical node id of a dataset. */
export function datasetNodeId(key: DatasetKey): string {
  return `${PREFIX}${key.namespace}:${key.name}`;
}

/** Every (namespace, name) split of a node id, longest namespace first; null when it is not a dataset node id. */
export function parseNodeId(id: string): DatasetKey[] | null {
  if (!id.startsWith(PREFIX) || id.length > MAX_NODE_ID_LENGTH) return null;
  const rest = id.slice(PREFIX.length);
  const out: DatasetKey[] = [];
  for (let i = rest.indexOf(':'); i !== -1; i = rest.indexOf(':', i + 1)) {
    const namespace = rest.slice(0, i);
    const name = rest.slice(i + 1);
    if (namespace.length > 0 && name.length > 0) out.push({ namespace, name });
  }
  out.reverse();
  return out.length > 0 ? out : null;
}

export interface ResolvedDataset extends DatasetKey {
  /** Internal row id (ol_datasets.id) as a decimal string. */
  readonly id: string;
}

/** Finds the stored dataset a node id names (one query over all candidate splits), or null. */
export async function resolveDataset(sql: Sql, nodeId: string): Promise<ResolvedDataset | null> {
  const candidates = parseNodeId(nodeId);
  if (!candidates) return null;
  return findDataset(sql, candidates);
}

/** The first stored dataset among the candidates, preferring the longest namespace. */
export async function findDataset(sql: Sql, candidates: readonly DatasetKey[]): Promise<ResolvedDataset | null> {
  const rows = await sql.query<{ id: string; namespace: string; name: string }>(
    `SELECT d.id::text AS id, d.namespace, d.name
       FROM jsonb_to_recordset($1::jsonb) AS c(namespace text, name text)
       JOIN ol_datasets d ON d.namespace = c.namespace AND d.name = c.name
      ORDER BY length(d.namespace) DESC LIMIT 1`,
    [JSON.stringify(candidates)],
  );
  const r = rows[0];
  return r ? { id: r.id, namespace: r.namespace, name: r.name } : null;
}
