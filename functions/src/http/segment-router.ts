/**
 * A Hono router that first picks the routes by the path's first segment, then matches among
 * those with Hono's own SmartRouter (RegExpRouter, or TrieRouter where RegExpRouter refuses the
 * group's paths). docs/adr/0057.
 *
 * Why: RegExpRouter refuses the app's route set as a whole (`GET /agents/search` beside
 * `GET /agents/{id}`, `POST /payments/quote` beside `POST /payments/{receiptId}/proof`: a
 * literal and a parameter at the same place), so SmartRouter fell back to TrieRouter over all
 * ~200 routes, whose walk was the largest single cost Strata's own code added to a cached read.
 * Split by first segment, every group but those two compiles to one RegExpRouter, and the two
 * keep a TrieRouter over a handful of routes.
 *
 * Same answers as one router over every route: a route whose first segment is a literal can only
 * match paths with that first segment, so it goes to that group alone; a route whose first
 * segment is anything else (`/*` middleware, a parameter, a wildcard) goes to every group and to
 * the group for unknown segments, in registration order, so each group's handlers keep the order
 * the app registered them in (test/unit/segment-router.test.ts compares both over the app's
 * routes).
 */
import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

/** A first segment matched only by itself (no parameter, wildcard, pattern or optional marker). */
const LITERAL = /^[A-Za-z0-9._~!$&'()+,;=@-]*$/;

/** The route's first segment when it is a literal (`''` for `/`), or null when it may match any. */
function literalHead(path: string): string | null {
  if (!path.startsWith('/')) return null;
  const end = path.indexOf('/', 1);
  const head = end < 0 ? path.slice(1) : path.slice(1, end);
  return LITERAL.test(head) ? head : null;
}

const smart = <T>(): Router<T> => new SmartRouter<T>({ routers: [new RegExpRouter(), new TrieRouter()] });

export class SegmentRouter<T> implements Router<T> {
  name = 'SegmentRouter';
  readonly #groups = new Map<string, Router<T>>();
  /** Routes every group holds: they may match any first segment. */
  readonly #everywhere: [string, string, T][] = [];
  /** Paths whose first segment no literal route names: only the routes that match anywhere. */
  readonly #rest: Router<T> = smart();

  add(method: string, path: string, handler: T): void {
    const head = literalHead(path);
    if (head === null) {
      this.#everywhere.push([method, path, handler]);
      for (const g of this.#groups.values()) g.add(method, path, handler);
      this.#rest.add(method, path, handler);
      return;
    }
    let g = this.#groups.get(head);
    if (!g) {
      g = smart();
      for (const [m, p, h] of this.#everywhere) g.add(m, p, h);
      this.#groups.set(head, g);
    }
    g.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const end = path.indexOf('/', 1);
    const head = end < 0 ? path.slice(1) : path.slice(1, end);
    return (this.#groups.get(head) ?? this.#rest).match(method, path);
  }
}
