/**
 * The Node server behind `npm start`, as a function tests can start and stop in-process
 * (ADR 0031): settings, the data-directory lock, tiers, migrations (or a 503 gate), a start-up
 * check of every tier, the listener, the in-process schedules; and `stop()`, which undoes them
 * in reverse within SHUTDOWN_TIMEOUT_MS. Start-up failures are StartError: one line per
 * problem, never a stack.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { ConfigError, parseConfig, type Config } from '@strata/core/config/index';
import { createDeps, DepsError, type Deps } from '@strata/core/create-deps';
import { checkHealth } from '@strata/core/health/health';
import { intervalsFromConfig, startSchedules, type Schedules } from '@strata/core/jobs/timers';
import { migrate, pending } from '@strata/core/migrate/files';
import { MigrationError } from '@strata/core/migrate/runner';
import { createApp } from '../app';
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from './data-dir-lock';
import { nodePlatform, TOKENS_FILE } from './node';
import { oneLine } from './one-line';
import { schemaGate } from './schema-gate';

/** Why the server cannot start: one line per problem, each fit for an operator. */
export class StartError extends Error {
  override readonly name = 'StartError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

export interface NodeServer {
  readonly url: string;
  readonly port: number;
  readonly config: Config;
  readonly deps: Deps;
  readonly schedules: Schedules;
  readonly lock: DataDirLock | null;
  /** The listening HTTP server. */
  readonly http: Server;
  /** Stops accepting connections, finishes in-flight requests and jobs, closes the tiers (bounded). */
  stop(reason?: string): Promise<void>;
}


function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((ok, fail) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') fail(new StartError([`PORT: ${host}:${port} is already in use (another server is listening there); stop it or set PORT to a free port`]));
      else if (e.code === 'EACCES') fail(new StartError([`PORT: not allowed to listen on ${host}:${port}; use a port above 1023`]));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') fail(new StartError([`HOST: ${host} is not an address of this machine`]));
      else fail(e);
    };
    const onListening = () => {
      server.off('error', onError);
      ok((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(0, ms))))]).finally(() => clearTimeout(timer));
}

/** Starts the server on `env` (process.env for `npm start`). Throws StartError for anything an operator must fix. */
export async function startNodeServer(env: Readonly<Record<string, string | undefined>>, o: { logSink?: (line: string) => void } = {}): Promise<NodeServer> {
  let config: Config;
  try {
    config = parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) throw new StartError(e.problems.map((p) => `${p.variable}: ${p.message}`));
    throw e;
  }

  const undo: (() => Promise<unknown>)[] = [];
  const unwind = async () => {
    for (const u of undo.reverse()) await u().catch(() => undefined);
  };
  try {
    let lock: DataDirLock | null = null;
    // memory:// and other PGlite URLs are private to this process: nothing to share
    if (!config.DATABASE_URL && !config.PGLITE_DIR.includes('://')) {
      try {
        lock = await acquireDataDirLock(config.PGLITE_DIR, { role: 'server' });
      } catch (e) {
        if (e instanceof DataDirLockedError) throw new StartError([e.message]);
        throw e;
      }
      undo.push(() => lock!.release());
    }

    let deps: Deps;
    try {
      deps = await createDeps(config, { ...nodePlatform(), ...(o.logSink ? { logSink: o.logSink } : {}) });
    } catch (e) {
      if (e instanceof DepsError) throw new StartError([`configuration: ${e.message}`]);
      throw new StartError([`database: cannot open it: ${oneLine(e)}`]);
    }
    undo.push(() => deps.close());

    // Schema: migrate when configured to, otherwise refuse traffic while behind (schema-gate.ts).
    let missing: string[];
    try {
      if (config.MIGRATE_ON_START ?? !config.DATABASE_URL) {
        const { applied } = await migrate(deps.sql);
        if (applied.length) deps.log.info('migrations applied', { applied });
      }
      missing = await pending(deps.sql);
    } catch (e) {
      if (e instanceof MigrationError) throw new StartError([`migrations: ${oneLine(e)}`]);
      throw new StartError([`database: unreachable (${oneLine(e)}); check DATABASE_URL and that the server is up`]);
    }
    if (missing.length) deps.log.warn('database is behind: answering 503 until it is migrated', { missing, fix: 'npm run migrate' });

    // Every tier answers before the port opens: a misconfigured one is a start failure, not a slow 503.
    const health = await checkHealth(deps, ['database', 'cache', 'storage']);
    const down = (['database', 'cache', 'storage'] as const).filter((t) => !health[t].ok);
    if (down.length) {
      const variable = { database: 'DATABASE_URL', cache: config.REDIS_URL ? 'REDIS_URL' : 'UPSTASH_REDIS_REST_URL', storage: config.S3_BUCKET ? 'S3_*' : 'BLOB_DIR' };
      throw new StartError(down.map((t) => `${t} (${health[t].tier}): unreachable (${oneLine(health[t].error ?? 'no answer')}); check ${variable[t]}`));
    }

    const app = createApp(deps);
    const gate = schemaGate({ missing, pending: () => pending(deps.sql) });
    const server = createAdaptorServer({
      // once the schema is up to date the gate costs one length check per request
      fetch: (req, bindings) =>
        gate.missing.length === 0 ? app.fetch(req, bindings) : gate.check(new URL(req.url).pathname).then((r) => r ?? app.fetch(req, bindings)),
    }) as Server;
    const port = await listen(server, config.PORT, config.HOST);
    undo.push(() => new Promise((r) => server.close(() => r(undefined))));
    const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
    await lock?.setUrl(url);

    const schedules = startSchedules(deps, { intervalsMs: intervalsFromConfig(config.SCHEDULE_INTERVALS_JSON) });
    const tokens = config.ADMIN_TOKEN && config.INGEST_TOKEN ? 'ADMIN_TOKEN and INGEST_TOKEN (environment)' : resolve(TOKENS_FILE);
    deps.log.info('strata listening', {
      url,
      docs: config.FEATURE_FLAGS_JSON?.docs === false ? null : `${url}/docs`,
      tokens,
      pid: process.pid,
      tiers: deps.tiers,
      ...(missing.length ? { missingMigrations: missing } : {}),
    });

    let stopping: Promise<void> | undefined;
    const stop = (reason = 'stop') =>
      (stopping ??= (async () => {
        const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
        const left = () => deadline - Date.now();
        deps.log.info('strata stopping', { reason, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
        // No new connections; idle keep-alive sockets close now, busy ones after their response.
        const closed = new Promise<void>((r) => server.close(() => r()));
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const jobs = schedules.stop(left());
        if ((await withDeadline(closed, left())) === 'timeout') {
          deps.log.warn('requests still running at the shutdown deadline; closing their connections');
          server.closeAllConnections();
        }
        clearInterval(idle);
        const { unfinished } = await jobs;
        if (unfinished.length) deps.log.warn('scheduled jobs still running at the shutdown deadline', { unfinished });
        if ((await withDeadline(deps.background.drain(), left())) === 'timeout') deps.log.warn('background work still running at the shutdown deadline');
        await withDeadline(deps.close(), Math.max(left(), 1_000));
        await lock?.release();
        deps.log.info('strata stopped', { reason });
      })());

    return { url, port, config, deps, schedules, lock, http: server, stop };
  } catch (e) {
    await unwind();
    throw e;
  }
}
