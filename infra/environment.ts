import { cdnBaseUrl, router } from './cdn';
import { secrets } from './secrets';
import { content } from './storage';

/*
 * The one place that turns SST resources into configuration. Code reads plain environment
 * variables with the names in CONTRACTS "Conventions" (parsed by the core config schema),
 * the same names on Lambda, on the Worker and in local development, so nothing below the
 * entries imports `Resource` from "sst". See docs/adr/0011.
 */

/** Region of the stage's AWS provider, which is where the bucket lives. */
export const region = aws.getRegionOutput().region;

/** Settings that are safe to show in a console (Worker plain-text bindings). */
export function publicEnvironment() {
  return {
    STAGE: $app.stage,
    S3_BUCKET: content.name,
    S3_REGION: region,
    CDN_BASE_URL: cdnBaseUrl,
  };
}

/** Credentials; the Worker gets these as secret bindings, never as plain text. */
export function secretEnvironment() {
  return {
    DATABASE_URL: secrets.DatabaseUrl.value,
    UPSTASH_REDIS_REST_URL: secrets.UpstashRedisRestUrl.value,
    UPSTASH_REDIS_REST_TOKEN: secrets.UpstashRedisRestToken.value,
    ADMIN_TOKEN: secrets.AdminToken.value,
    INGEST_TOKEN: secrets.IngestToken.value,
  };
}

/**
 * Everything a Lambda running the app (API, consumer, scheduler) reads. S3 and SQS
 * credentials come from the function's role, so no keys appear here.
 */
export function appEnvironment(jobs: sst.aws.Queue, maxReceives: number) {
  return {
    ...publicEnvironment(),
    ...secretEnvironment(),
    PUBLIC_BASE_URL: router.url,
    QUEUE_URL: jobs.url,
    QUEUE_REGION: region,
    QUEUE_MAX_ATTEMPTS: String(maxReceives),
  };
}

/** The subset the migrator needs: it touches PostgreSQL and nothing else. */
export function databaseEnvironment() {
  return {
    STAGE: $app.stage,
    DATABASE_URL: secrets.DatabaseUrl.value,
  };
}
