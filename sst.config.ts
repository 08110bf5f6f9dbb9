/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Strata on AWS (Lambda, SQS, EventBridge Scheduler, S3 + CloudFront) with an optional
 * Cloudflare Worker variant of the same app. Resources live in `infra/`, one file per
 * concern; this file only decides app-wide policy and wires the modules together.
 *
 * The Cloudflare variant is opt-in per deploy with `STRATA_CLOUDFLARE=1`: the SST CLI
 * initialises every listed provider and fails without Cloudflare credentials, so the
 * provider is only listed when the variant is wanted (see docs/adr/0010).
 */
export default $config({
  app(input) {
    const production = input?.stage === 'production';
    const withCloudflare = ['1', 'true'].includes(process.env.STRATA_CLOUDFLARE ?? '');
    return {
      name: 'strata',
      home: 'aws',
      // production keeps its buckets (and their bytes) when the stage is removed
      removal: production ? 'retain' : 'remove',
      protect: production,
      providers: {
        aws: '7.20.0',
        ...(withCloudflare ? { cloudflare: '6.15.0' } : {}),
      },
    };
  },
  async run() {
    // order matters: later modules link what earlier ones create
    await import('./infra/secrets');
    const storage = await import('./infra/storage');
    const queue = await import('./infra/queue');
    const cdn = await import('./infra/cdn');
    const migrations = await import('./infra/migrations');
    const api = await import('./infra/api');
    const cron = await import('./infra/cron');
    const worker = $app.providers?.cloudflare ? await import('./infra/worker') : undefined;

    return {
      stage: $app.stage,
      url: cdn.router.url,
      apiFunctionUrl: api.api.url,
      contentBucket: storage.content.name,
      queueUrl: queue.jobs.url,
      deadLetterQueueUrl: queue.deadLetters.url,
      migrator: migrations.migrator.name,
      scheduler: cron.scheduler.name,
      ...(worker ? { workerUrl: worker.edge.url } : {}),
    };
  },
});
