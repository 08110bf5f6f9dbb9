/**
 * Credentials that must never live in the repository. Set per stage with
 * `npx sst secret set <Name> <value> --stage <stage>`; values are stored encrypted in the
 * stage's state. The runtime sees them as the environment variables named in
 * `infra/environment.ts`, never through `Resource`.
 */
export const secrets = {
  /** Neon (or any PostgreSQL) connection string, `postgres://…?sslmode=require`. */
  DatabaseUrl: new sst.Secret('DatabaseUrl'),
  /** Upstash Redis REST endpoint, `https://<id>.upstash.io`. */
  UpstashRedisRestUrl: new sst.Secret('UpstashRedisRestUrl'),
  /** Upstash Redis REST token (the read-write one). */
  UpstashRedisRestToken: new sst.Secret('UpstashRedisRestToken'),
  /** Bearer token for admin operations (`POST /headers`, advisories, hooks). */
  AdminToken: new sst.Secret('AdminToken'),
  /** Bearer token for OpenLineage ingest (`POST /api/v1/lineage`). */
  IngestToken: new sst.Secret('IngestToken'),
};
