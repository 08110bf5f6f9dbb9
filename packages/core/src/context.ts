/**
 * The one request context every verb takes (docs/adr/0053-one-request-context-and-actor.md).
 *
 * A verb is `verb({ deps, ctx, input })`: `deps` narrowed to the ports it uses, `ctx` this
 * RequestCtx, `input` what the caller asks for. The actor is set once, by whoever admitted
 * the work — the HTTP auth and identity middleware, the schedule runner, the queue consumer —
 * and the audit log records `actorName(ctx.actor)`, never a string a route or verb invents.
 *
 * This module imports nothing but leaf types, so any module may import it without a cycle.
 */
import type { NonceClaim } from './identity/nonces';
import type { JobType } from './ports/queue';

/** Work after the response: Workers' waitUntil, awaited on Lambda, tracked on Node. */
export type WaitUntil = (p: Promise<unknown>) => void;

/** Who asked for the work. */
export type Actor =
  /** A client that sent no credentials (or an unsigned request to an optionally signed route). */
  | { readonly kind: 'anonymous' }
  /**
   * A request signed with an identity key (middleware/identity.ts). `nonce` is the signature's
   * single-use nonce when the route claims it in its write (`nonce: 'in-write'`).
   */
  | { readonly kind: 'identity'; readonly key: string; readonly nonce?: NonceClaim | null }
  /** The admin bearer token. */
  | { readonly kind: 'admin' }
  /** The ingest bearer token. */
  | { readonly kind: 'ingest' }
  /** A scheduled job (jobs/schedule.ts), by its schedule name. */
  | { readonly kind: 'schedule'; readonly job: string }
  /** The queue consumer running a job of this type (jobs/router.ts). */
  | { readonly kind: 'queue'; readonly job: JobType }
  /** A provider's callback authenticated by its own token (ARC's transaction status). */
  | { readonly kind: 'callback'; readonly source: 'arc' };

export interface RequestCtx {
  readonly requestId: string;
  readonly waitUntil: WaitUntil;
  readonly actor: Actor;
}

/** The one verb shape: `deps` narrowed by the verb (a Pick of Deps or a small interface). */
export interface Call<D, I> {
  readonly deps: D;
  readonly ctx: RequestCtx;
  readonly input: I;
}

/** The input of a verb that takes none (a scheduled job): `input: {}`. */
export type NoInput = Readonly<Record<string, never>>;

export const ANONYMOUS: Actor = Object.freeze({ kind: 'anonymous' });

/**
 * The actor as the audit log stores it, deterministic: `anonymous`, `identity:<key>`, `admin`,
 * `ingest`, `schedule:<job>`, `queue:<job type>`, `callback:<source>`.
 */
export function actorName(a: Actor): string {
  switch (a.kind) {
    case 'anonymous':
    case 'admin':
    case 'ingest':
      return a.kind;
    case 'identity':
      return `identity:${a.key}`;
    case 'schedule':
    case 'queue':
      return `${a.kind}:${a.job}`;
    case 'callback':
      return `callback:${a.source}`;
  }
}

/** The verified identity key of the caller, or null when the request was not identity-signed. */
export function identityKeyOf(ctx: RequestCtx): string | null {
  return ctx.actor.kind === 'identity' ? ctx.actor.key : null;
}

/** The signature's nonce a write claims in its own transaction (identity/nonces.ts), if any. */
export function nonceOf(ctx: RequestCtx): NonceClaim | null {
  return ctx.actor.kind === 'identity' ? (ctx.actor.nonce ?? null) : null;
}

/** What a write's audit row takes from the context. */
export function auditOf(ctx: RequestCtx): { actor: string; requestId: string } {
  return { actor: actorName(ctx.actor), requestId: ctx.requestId };
}

/**
 * The context of work no request admitted (a schedule, a queue delivery): background work is
 * tracked by `track` (deps.background.track) and a failure of it is swallowed, as nobody waits.
 */
export function systemCtx(track: (p: Promise<unknown>) => void, actor: Exclude<Actor, { kind: 'anonymous' | 'identity' | 'admin' | 'ingest' }>, requestId: string): RequestCtx {
  return { requestId, actor, waitUntil: (p) => track(p.catch(() => undefined)) };
}
