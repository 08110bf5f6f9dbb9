/**
 * A server whose database is behind the migrations it ships answers every request — /health
 * included — 503 problem+json naming the missing migrations, instead of 200 on /health and 500
 * (`relation … does not exist`) everywhere else. It looks again at most every few seconds, so
 * `npm run migrate` against the running server's database opens it without a restart.
 */
const RECHECK_MS = 2_000;

export interface SchemaGate {
  /** Migrations missing as last seen (empty: open). */
  readonly missing: readonly string[];
  /** null when the database is up to date; otherwise the 503 to send. */
  check(path: string): Promise<Response | null>;
}

export function schemaGate(o: { missing: readonly string[]; pending: () => Promise<string[]>; now?: () => number }): SchemaGate {
  const now = o.now ?? Date.now;
  let missing = o.missing;
  let checkedAt = now();
  let checking: Promise<void> | undefined;
  return {
    get missing() {
      return missing;
    },
    async check(path) {
      if (missing.length === 0) return null;
      if (now() - checkedAt >= RECHECK_MS) {
        checking ??= o
          .pending()
          .then((m) => {
            missing = m;
          })
          .catch(() => undefined)
          .finally(() => {
            checkedAt = now();
            checking = undefined;
          });
        await checking;
        if (missing.length === 0) return null;
      }
      return behindResponse(path, missing);
    },
  };
}

/** The 503 problem+json naming the migrations the database lacks. */
export function behindResponse(path: string, missing: readonly string[]): Response {
  const body = {
    type: 'urn:strata:problem:unavailable',
    title: 'Service unavailable',
    status: 503,
    detail: `The database is behind this version of Strata: ${missing.length} migration(s) not applied (${missing.join(', ')}).`,
    instance: path,
    error: 'unavailable',
    hint: 'An operator runs `npm run migrate` against this database (or starts the server with MIGRATE_ON_START=true).',
    requestId: crypto.randomUUID(),
    missingMigrations: missing,
  };
  return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '30' } });
}
