import { lambdaDefaults } from './defaults';
import { appEnvironment } from './environment';
import { jobs, maxReceives } from './queue';
import { jobSchedules } from './schedules';
import { content } from './storage';

/**
 * One function runs every background job; each EventBridge schedule invokes it with
 * `{ "job": "<name>" }`, so adding a job is one line in `infra/schedules.ts`.
 */
export const scheduler = new sst.aws.Function('Scheduler', {
  ...lambdaDefaults,
  handler: 'functions/src/entry/cron.handler',
  // audit archival streams a month of rows to S3; everything else takes seconds
  timeout: '5 minutes',
  memory: '1024 MB',
  link: [content, jobs],
  environment: appEnvironment(jobs, maxReceives),
});

/** EventBridge Scheduler rules (CronV2; the older Cron component is deprecated). */
export const schedules = jobSchedules.map(
  ({ job, aws }) =>
    new sst.aws.CronV2(`Job${pascal(job)}`, {
      schedule: aws,
      function: scheduler,
      event: { job },
      timezone: 'UTC',
      // retries cover failed invocations; a job that throws is simply run again next tick
      retries: 2,
    }),
);

function pascal(kebab: string): string {
  return kebab.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
}
