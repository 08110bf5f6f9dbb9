import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, parseConfig } from '@strata/core/config/index';

function problemsOf(raw: Record<string, string>): { variable: string; message: string }[] {
  try {
    parseConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('gives the embedded default with no configuration at all', () => {
    const c = parseConfig({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.UPSTASH_REDIS_REST_URL).toBeUndefined();
    expect(c.S3_BUCKET).toBeUndefined();
    expect(c.PORT).toBe(8787);
    expect(c.PGLITE_DIR).toBe('./.strata/pglite');
  });

  it('reads the Node host settings (HOST, MIGRATE_ON_START, SCHEDULE_INTERVALS_JSON, SHUTDOWN_TIMEOUT_MS)', () => {
    const d = parseConfig({});
    expect([d.HOST, d.MIGRATE_ON_START, d.SCHEDULE_INTERVALS_JSON, d.SHUTDOWN_TIMEOUT_MS]).toEqual(['127.0.0.1', undefined, undefined, 10_000]);
    const c = parseConfig({ HOST: '0.0.0.0', MIGRATE_ON_START: 'true', SCHEDULE_INTERVALS_JSON: '{"outbox-sweep": 5, "audit-archive": 0}', SHUTDOWN_TIMEOUT_MS: '2500' });
    expect([c.HOST, c.MIGRATE_ON_START, c.SCHEDULE_INTERVALS_JSON, c.SHUTDOWN_TIMEOUT_MS]).toEqual(['0.0.0.0', true, { 'outbox-sweep': 5, 'audit-archive': 0 }, 2500]);
    expect(parseConfig({ MIGRATE_ON_START: '0' }).MIGRATE_ON_START).toBe(false);
    const bad = problemsOf({ HOST: 'a b', MIGRATE_ON_START: 'sometimes', SCHEDULE_INTERVALS_JSON: '{"no-such-job": 60}', SHUTDOWN_TIMEOUT_MS: '5' });
    expect(bad.map((p) => p.variable).sort()).toEqual(['HOST', 'MIGRATE_ON_START', 'SCHEDULE_INTERVALS_JSON', 'SHUTDOWN_TIMEOUT_MS']);
    expect(problemsOf({ SCHEDULE_INTERVALS_JSON: '{"outbox-sweep": -1}' }).map((p) => p.variable)).toEqual(['SCHEDULE_INTERVALS_JSON']);
  });

  it('names every bad variable in one error', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LINEAGE_INGEST_MODE: 'sometimes', ADMIN_TOKEN: 'short' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'LINEAGE_INGEST_MODE', 'PORT']);
    const msg = (() => {
      try {
        parseConfig({ PORT: 'eighty' });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(msg).toMatch(/PORT: /);
  });

  it('checks variables that go together', () => {
    expect(problemsOf({ UPSTASH_REDIS_REST_URL: 'https://kv.example.com' }).map((p) => p.variable)).toEqual(['UPSTASH_REDIS_REST_TOKEN']);
    expect(problemsOf({ S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' }).map((p) => p.variable)).toEqual(['S3_SECRET_ACCESS_KEY']);
    expect(problemsOf({ SQL_DRIVER: 'neon-http' }).map((p) => p.variable)).toEqual(['DATABASE_URL']);
    // one Kv: Redis over TCP or Upstash's REST API, never both
    expect(problemsOf({ REDIS_URL: 'redis://127.0.0.1:6379', UPSTASH_REDIS_REST_URL: 'https://kv.example.com', UPSTASH_REDIS_REST_TOKEN: 't' }).map((p) => p.variable)).toEqual(['REDIS_URL']);
    expect(problemsOf({ REDIS_URL: 'http://127.0.0.1:6379' })).toEqual([{ variable: 'REDIS_URL', message: 'must be a redis:// or rediss:// URL' }]);
  });

  it('rejects malformed JSON settings with the variable named', () => {
    expect(problemsOf({ CACHE_TTLS_JSON: '{nope' })).toEqual([{ variable: 'CACHE_TTLS_JSON', message: 'is not valid JSON' }]);
    expect(problemsOf({ FEATURE_FLAGS_JSON: '{"unknownFlag": true}' })[0]!.variable).toBe('FEATURE_FLAGS_JSON');
    expect(problemsOf({ CACHE_TTLS_JSON: '{"assets": -5}' })[0]!.variable).toBe('CACHE_TTLS_JSON');
    // a misspelt namespace would silently keep the defaults: refused at start instead
    expect(problemsOf({ CACHE_TTLS_JSON: '{"asset": 60}' })[0]!.variable).toBe('CACHE_TTLS_JSON');
    const ok = parseConfig({ CACHE_TTLS_JSON: '{"assets": 60, "listings": {"fresh": 30, "stale": 90}}' });
    expect(ok.CACHE_TTLS_JSON).toEqual({ assets: 60, listings: { fresh: 30, stale: 90 } });
  });

  it('never prints a secret: not in errors, logs, JSON or inspect', () => {
    const secret = 'postgres://user:hunter2-very-secret@db.example.com/app';
    const c = parseConfig({ DATABASE_URL: secret, ADMIN_TOKEN: 'admin-token-hunter2-0000', UPSTASH_REDIS_REST_URL: 'https://kv.example.com', UPSTASH_REDIS_REST_TOKEN: 'tok-hunter2' });
    expect(c.DATABASE_URL!.reveal()).toBe(secret);
    const r = parseConfig({ REDIS_URL: 'rediss://default:hunter2-redis@cache.example.com:6380/0' });
    expect(r.REDIS_URL!.reveal()).toContain('hunter2-redis');
    expect([JSON.stringify(r), inspect(r, { depth: 5 }), JSON.stringify(describeConfig(r))].join('\n')).not.toContain('hunter2');
    const printed = [JSON.stringify(c), inspect(c, { depth: 5 }), String(c.ADMIN_TOKEN), JSON.stringify(describeConfig(c))].join('\n');
    expect(printed).not.toContain('hunter2');
    // a bad secret-bearing value is reported without its value
    const problems = problemsOf({ DATABASE_URL: 'hunter2-not-a-url', ADMIN_TOKEN: 'hunter2' });
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });

  it('treats empty strings as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', PORT: ' ' }).DATABASE_URL).toBeUndefined();
  });
});
