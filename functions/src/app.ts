/**
 * createApp(deps): the one Hono app every runtime serves. Routes parse with zod, call one core
 * verb and respond; every error leaves through `onError` as problem+json.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ValidationTargets } from 'hono';
import type { Deps } from '@strata/core/deps';
import { fieldIssues, isStrataError, type InputPart } from '@strata/core/errors';
import type { AppEnv } from './env';
import { observe } from './middleware/observe';
import { requestContext } from './middleware/request-context';
import { inputEdge, isClientAbort, releaseBody } from './middleware/edge';
import { Problem, problem } from './problem';
import { registerDocs } from './routes/docs';
import { registerRoutes } from './routes/index';

/** The request part each validator target is: field issues say `body.…`, `query.…`, `path.…`, `header.…`. */
const INPUT_PART: Record<keyof ValidationTargets, InputPart> = { json: 'body', form: 'body', query: 'query', param: 'path', header: 'header', cookie: 'header' };

/** Builds the app around one Deps object (built once per isolate or cold start). */
export function createApp(deps: Deps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return problem(c, {
          code: 'validation-failed',
          detail: 'The request is not valid; see `issues` for each field.',
          issues: fieldIssues([INPUT_PART[result.target]], result.error.issues),
        });
      }
    },
  });

  app.use('*', observe(deps));
  app.use('*', requestContext(deps));
  app.use('*', releaseBody());
  const origins = deps.config.CORS_ALLOW_ORIGINS;
  const corsHeaders = cors({
    origin: origins === '*' ? '*' : origins.split(','),
    allowHeaders: ['authorization', 'content-type', 'if-none-match', 'x-request-id', 'x-identity-key', 'x-nonce', 'x-signature', 'x-timestamp'],
    exposeHeaders: ['etag', 'x-cache', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after'],
    maxAge: 600,
  });
  // Only browsers send Origin; other clients skip CORS, which rebuilds every response it touches.
  app.use('*', (c, next) => (c.req.header('origin') ? corsHeaders(c, next) : next()));
  const limit = bodyLimit({
      maxSize: deps.config.BODY_LIMIT_BYTES,
      onError: (c) =>
        problem(c, {
          code: 'payload-too-large',
          detail: `The request body exceeds ${deps.config.BODY_LIMIT_BYTES} bytes.`,
          hint: 'Split the request (batch endpoints take several smaller calls).',
        }),
  });
  // Presigned uploads to the local blob route carry content, not API bodies: they have their own cap.
  // The lineage routes cap their (decompressed) bodies themselves (routes/openlineage-ingest.ts): the batch at
  // OL_BATCH_MAX_BYTES, one event at BODY_LIMIT_BYTES with a refusal naming the setting to raise.
  // Methods without a body skip the check: it touches the raw Request, which the Node server
  // otherwise never has to build (a measurable share of a cached read).
  const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);
  app.use('*', (c, next) =>
    NO_BODY.has(c.req.method) || c.req.path.startsWith('/blobs/') || c.req.path === '/api/v1/lineage/batch' || c.req.path === '/api/v1/lineage' ? next() : limit(c, next),
  );
  // one parsing edge for every route: path, query and JSON-body rules (middleware/edge.ts)
  app.use('*', inputEdge(app));

  registerRoutes(app, deps);
  // every error body is a Problem, whether or not a route lists it
  app.openAPIRegistry.register('Problem', Problem);

  // /openapi.json, /docs (served from the package's assets, no CDN) and /docs/errors
  registerDocs(app, deps);

  app.notFound((c) => problem(c, { code: 'not-found', detail: `No route for ${c.req.method} ${new URL(c.req.url).pathname}.` }));

  app.onError((err, c) => {
    // a client gone mid-body is not a fault of ours; nobody will read this answer
    if (isClientAbort(c, err)) {
      deps.log.info('client aborted the request', { requestId: c.get('requestId'), method: c.req.method, path: c.req.path });
      return problem(c, { code: 'bad-request', detail: 'The client closed the connection before the request was read.' });
    }
    if (isStrataError(err)) {
      if (err.code === 'unavailable' || err.code === 'internal') {
        deps.log.error('request failed', { requestId: c.get('requestId'), code: err.code, error: String(err.cause ?? err.message) });
      }
      return problem(c, { code: err.code, detail: err.message, hint: err.extra.hint, issues: err.extra.issues, retryAfterSec: err.extra.retryAfterSec });
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      if (status === 400) return problem(c, { code: 'bad-request', detail: err.message || 'Malformed request.', hint: 'Send a valid JSON body with Content-Type: application/json.', issues: [{ path: 'body', message: err.message || 'is not valid JSON' }] });
      if (status === 413) return problem(c, { code: 'payload-too-large', detail: err.message });
      if (status === 415) return problem(c, { code: 'unsupported-media-type', detail: err.message, hint: 'Send Content-Type: application/json.', issues: [{ path: 'header.content-type', message: 'must be application/json' }] });
      if (status === 401) return problem(c, { code: 'unauthorized', detail: err.message });
    }
    deps.log.error('unhandled error', { requestId: c.get('requestId'), error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    return problem(c, { code: 'internal', detail: 'An unexpected error occurred; the request id identifies it in the logs.' });
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
