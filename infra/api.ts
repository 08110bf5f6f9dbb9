import { router } from './cdn';
import { lambdaDefaults } from './defaults';
import { appEnvironment } from './environment';
import { migration } from './migrations';
import { jobs, maxReceives } from './queue';
import { content } from './storage';

/**
 * The Hono app on Lambda behind the CDN router. Responses are buffered (`streaming` off):
 * the app answers with whole JSON bodies, and `hono/aws-lambda` `handle()` is the entry.
 * CORS is the app's job on every runtime, so the function URL adds no CORS headers of its own.
 */
export const api = new sst.aws.Function('Api', {
  ...lambdaDefaults,
  handler: 'functions/src/entry/lambda.handler',
  streaming: false,
  timeout: '30 seconds',
  memory: '1024 MB',
  url: { cors: false, router: { instance: router, path: '/' } },
  link: [content, jobs],
  environment: appEnvironment(jobs, maxReceives),
  transform: {
    // new code goes live only after the schema it expects exists (migrations only add);
    // set on the Lambda itself, so the ordering never depends on how component options reach children
    function: (_args, opts) => {
      opts.dependsOn = [migration];
    },
  },
});
