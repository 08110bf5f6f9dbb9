/**
 * The app's router (functions/src/http/segment-router.ts) gives the same answer as one
 * TrieRouter over every route the app registers: the same handlers, in the same order, with the
 * same parameters, for every method and for paths made from every route template plus paths no
 * route names.
 */
import fc from 'fast-check';
import type { Result } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SegmentRouter } from '@strata/functions/http/segment-router';
import { embeddedDeps, type TestStack } from '../support/deps';

type Route = { method: string; path: string; handler: unknown };
let stack: TestStack;
let routes: Route[];

beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0' });
  routes = stack.app.routes as Route[];
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

/** [handler, params] per matched route, whatever the router's result shape. */
function normalise<T>(r: Result<T>): [T, Record<string, string>][] {
  const [handlers, stash] = r as [[T, Record<string, unknown>][], string[] | undefined];
  return handlers.map(([h, map]) => {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(map)) params[k] = stash ? (stash[v as number] as string) : (v as string);
    return [h, params];
  });
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function requestPaths(): string[] {
  const out = new Set<string>(['/', '//', '//listings', '/listings/', '/unknown', '/unknown/deeper/still', '/blobs/a/b/c', '/blobs/', '/docs/assets/v1/app.js']);
  for (const r of routes) {
    const filled = r.path.replace(/:[^/]+/g, 'x1').replace(/\*/g, 'any/thing');
    out.add(filled);
    out.add(`${filled}/`);
    out.add(`${filled}/extra`);
    out.add(r.path.replace(/:[^/]+/g, 'search').replace(/\*/g, ''));
  }
  return [...out];
}

describe('segment router', () => {
  it('serves the app (the app is built with it)', () => {
    expect(stack.app.router.name).toBe('SegmentRouter');
  });

  it('matches exactly what one TrieRouter over every route matches', () => {
    const trie = new TrieRouter<unknown>();
    const seg = new SegmentRouter<unknown>();
    for (const r of routes) {
      trie.add(r.method, r.path, r.handler);
      seg.add(r.method, r.path, r.handler);
    }
    let compared = 0;
    for (const path of requestPaths()) {
      for (const method of METHODS) {
        expect(normalise(seg.match(method, path)), `${method} ${path}`).toEqual(normalise(trie.match(method, path)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('agrees with TrieRouter on arbitrary paths', () => {
    const trie = new TrieRouter<unknown>();
    const seg = new SegmentRouter<unknown>();
    for (const r of routes) {
      trie.add(r.method, r.path, r.handler);
      seg.add(r.method, r.path, r.handler);
    }
    // route heads that are literals (a request path of `/*` is left out: TrieRouter matches the `/*` routes twice for it)
    const heads = [...new Set(routes.map((r) => r.path.split('/')[1] ?? ''))].filter((h) => !/[*:{?]/.test(h));
    const segment = fc.oneof(fc.constantFrom(...heads, 'x1', 'search', 'proof', 'ping', 'parts', ''), fc.stringMatching(/^[a-z0-9._-]{0,6}$/));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom(...METHODS), (segs, method) => {
        const path = `/${segs.join('/')}`;
        expect(normalise(seg.match(method, path))).toEqual(normalise(trie.match(method, path)));
      }),
      { numRuns: 2000 },
    );
  });
});
