/**
 * Background jobs and when they run, for both runtimes. Each job is one idempotent
 * function of the app; the cron entry receives `{ job: <name> }` on Lambda and maps the
 * Worker's cron expression back to job names through `CRON_JOBS_JSON`.
 */
export const jobSchedules = [
  // bounds how long a committed write can leave a cache entry stale (ARCHITECTURE §5)
  { job: 'outbox-sweep', aws: 'rate(1 minute)', cloudflare: '* * * * *' },
  { job: 'dead-letter-replay', aws: 'rate(5 minutes)', cloudflare: '*/5 * * * *' },
  { job: 'receipt-reconcile', aws: 'rate(5 minutes)', cloudflare: '*/5 * * * *' },
  { job: 'headers-refresh', aws: 'rate(5 minutes)', cloudflare: '*/5 * * * *' },
  // nonces live one signature window (default 5 minutes); pruning keeps the table that small
  { job: 'identity-nonce-prune', aws: 'rate(5 minutes)', cloudflare: '*/5 * * * *' },
  // partitions are monthly; running daily makes a missed night harmless
  { job: 'audit-archive', aws: 'cron(15 3 * * ? *)', cloudflare: '15 3 * * *' },
  // OpenLineage events are partitioned by month; daily keeps three months made ahead
  { job: 'lineage-partitions', aws: 'cron(25 3 * * ? *)', cloudflare: '25 3 * * *' },
  // unfinished multipart uploads keep their parts (and their cost) until aborted
  { job: 'uploads-abort', aws: 'rate(1 hour)', cloudflare: '7 * * * *' },
] as const;

/** The job names the cron entry must accept. */
export type JobName = (typeof jobSchedules)[number]['job'];

/** Cloudflare cron expression → job names, for the Worker's `scheduled` handler. */
export function cloudflareCronJobs(): Record<string, JobName[]> {
  const byCron: Record<string, JobName[]> = {};
  for (const { job, cloudflare } of jobSchedules) (byCron[cloudflare] ??= []).push(job);
  return byCron;
}
