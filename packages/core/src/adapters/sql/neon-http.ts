/**
 * Sql on Neon's HTTP query endpoint (kind 'neon-http'): one HTTPS POST per query, and `batch` is a
 * single POST that the server runs as one transaction. HTTP has no session, so an interactive
 * `transaction(fn)` is impossible here: pass `sessions` (e.g. a neon-pool Sql) to delegate them,
 * otherwise it rejects with StrataError('internal').
 */
import { neon, neonConfig, types as neonTypes } from '@neondatabase/serverless';
import { z } from 'zod';
import { StrataError } from '../../errors';
import type { Row, Sql, SqlParam, SqlSession, Statement } from '../../ports/sql';
import { normalised } from './errors';
import { bytesToBytea, portTypes, type GetTypeParser } from './types';

const optionsSchema = z.object({
  url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  /** Full URL of the /sql endpoint, for a local bridge; omitted → Neon's endpoint for the host. */
  fetchEndpoint: z.url().optional(),
  /** Where interactive transactions go (HTTP cannot hold one open); the caller closes it. */
  sessions: z.custom<Pick<Sql, 'transaction'>>((v) => typeof v === 'object' && v !== null && 'transaction' in v).optional(),
});
export type NeonHttpSqlOptions = z.input<typeof optionsSchema>;

/**
 * `fetchEndpoint` exists only on the global neonConfig. To keep configuration per instance, one
 * global router is installed (only the first time an explicit endpoint is configured) that sends
 * the hosts registered here to their endpoint and every other host where it went before.
 */
const routes = new Map<string, string>();
let routerInstalled = false;

function routeHost(url: string, endpoint: string): () => void {
  if (!routerInstalled) {
    const previous = neonConfig.fetchEndpoint;
    neonConfig.fetchEndpoint = (host, port, opts) =>
      routes.get(`${host}:${port}`) ?? (typeof previous === 'function' ? previous(host, port, opts) : previous);
    routerInstalled = true;
  }
  const u = new URL(url);
  const key = `${u.hostname}:${u.port}`;
  routes.set(key, endpoint);
  return () => {
    if (routes.get(key) === endpoint) routes.delete(key);
  };
}

/** Neon's driver serialises Buffers but not plain Uint8Arrays as bytea: send hex text. */
function prepare(params: readonly SqlParam[] | undefined): unknown[] {
  if (!params) return [];
  return params.map((p) => (p instanceof Uint8Array ? bytesToBytea(p) : p));
}

/** Creates the HTTP adapter; cheap (no connection is opened until the first query). */
export function createNeonHttpSql(options: NeonHttpSqlOptions): Sql {
  const o = optionsSchema.parse(options);
  const unroute = o.fetchEndpoint === undefined ? () => {} : routeHost(o.url, o.fetchEndpoint);
  // Passed per query: this driver version reads `types` from each query's options, not from neon().
  const types = portTypes(neonTypes.getTypeParser as GetTypeParser);
  const sql = neon(o.url);

  return {
    kind: 'neon-http',
    /** One statement, one POST. */
    async query<T extends Row = Row>(text: string, params?: readonly SqlParam[]): Promise<T[]> {
      return (await normalised(() => sql.query(text, prepare(params), { types }))) as T[];
    },
    /** All statements in one POST, run by the server as one transaction. */
    async batch(statements: readonly Statement[]): Promise<Row[][]> {
      if (statements.length === 0) return [];
      return (await normalised(() => sql.transaction(statements.map((s) => sql.query(s.text, prepare(s.params), { types }))))) as Row[][];
    },
    /** Delegates to `sessions`; HTTP alone cannot hold a transaction open across round trips. */
    async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
      if (o.sessions) return o.sessions.transaction(fn);
      throw new StrataError('internal', 'Interactive transactions are not available over Neon HTTP.', {
        hint: 'Use batch() for fixed statement lists, or construct neon-http with `sessions: createNeonPoolSql(...)`.',
      });
    },
    /** Nothing pooled to release; drops this instance's endpoint route. */
    async close(): Promise<void> {
      unroute();
    },
  };
}
