/**
 * The Upstash REST bridge speaks the protocol our tests rely on, checked with raw HTTP against
 * the real redis-server: auth, routes, content type, base64 encoding, error shapes per endpoint,
 * MULTI/EXEC atomicity, and per-bridge database isolation.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, REDIS_URL } from '../support/reachable';
import { startUpstashBridge, type UpstashBridge } from '../support/upstash-bridge';

const b64 = (s: string) => Buffer.from(s).toString('base64');

await describeWith(['redis'], 'Upstash REST bridge protocol', () => {
  let bridge: UpstashBridge;
  let other: UpstashBridge;
  const k = (name: string) => `kvtest:${randomUUID()}:${name}`;

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(bridge.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as unknown };
  };
  const encoded = { 'upstash-encoding': 'base64' };

  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: `t-${randomUUID()}` });
    other = await startUpstashBridge({ redisUrl: REDIS_URL, token: 'other', db: 7 });
  });
  afterAll(async () => {
    await bridge?.close();
    await other?.close();
  });

  it('refuses a missing or wrong bearer token with 401', async () => {
    const none = await fetch(bridge.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '["PING"]' });
    expect([none.status, await none.json()]).toEqual([401, { error: 'Unauthorized' }]);
    expect(await post('/', ['PING'], { authorization: 'Bearer nope' })).toEqual({ status: 401, json: { error: 'Unauthorized' } });
  });

  it('answers 404 for unknown paths, 405 for other methods, 400 for a wrong content type or bad JSON', async () => {
    expect((await post('/set/foo/bar', [])).status).toBe(404);
    const get = await fetch(bridge.url + '/pipeline', { headers: { authorization: `Bearer ${bridge.token}` } });
    expect(get.status).toBe(405);
    expect((await post('/', ['PING'], { 'content-type': 'text/plain' })).status).toBe(400);
    expect((await post('/', '["PING"')).status).toBe(400);
    expect((await post('/', [])).status).toBe(400);
    expect((await post('/pipeline', [['PING'], [{ nested: true }]])).status).toBe(400);
  });

  it('runs one command, stringifying number args, and base64-encodes strings only when asked', async () => {
    const key = k('one');
    expect(await post('/', ['SET', key, 'bar', 'PX', 60_000])).toEqual({ status: 200, json: { result: 'OK' } });
    expect(await post('/', ['GET', key])).toEqual({ status: 200, json: { result: 'bar' } });
    expect(await post('/', ['GET', key], encoded)).toEqual({ status: 200, json: { result: b64('bar') } });
    expect(await post('/', ['SET', key, 'v'], encoded)).toEqual({ status: 200, json: { result: 'OK' } });
    expect(await post('/', ['PING'], encoded)).toEqual({ status: 200, json: { result: b64('PONG') } });
    expect(await post('/', ['GET', k('missing')], encoded)).toEqual({ status: 200, json: { result: null } });
    expect(await post('/', ['DEL', key], encoded)).toEqual({ status: 200, json: { result: 1 } });
  });

  it('encodes nested strings, including "OK" as a value, and leaves null and numbers alone', async () => {
    const [a, b] = [k('a'), k('b')];
    await post('/', ['SET', a, 'OK']);
    await post('/', ['SET', b, 'ünï']);
    const res = await post('/', ['MGET', a, k('none'), b], encoded);
    expect(res.json).toEqual({ result: [b64('OK'), null, b64('ünï')] });
    await post('/', ['DEL', a, b]);
  });

  it('passes a single command error through as 400 with the Redis text, never encoded', async () => {
    const key = k('s');
    await post('/', ['SET', key, 'abc']);
    expect(await post('/', ['INCR', key], encoded)).toEqual({
      status: 400,
      json: { error: 'ERR value is not an integer or out of range' },
    });
    const unknown = await post('/', ['NOSUCHCOMMAND', key]);
    expect(unknown.status).toBe(400);
    expect((unknown.json as { error: string }).error).toMatch(/^ERR unknown command/);
    await post('/', ['DEL', key]);
  });

  it('/pipeline answers 200 with one result or error per command, in order', async () => {
    const key = k('p');
    const res = await post('/pipeline', [['SET', key, 'abc'], ['INCR', key], ['GET', key], ['DEL', key]], encoded);
    expect(res).toEqual({
      status: 200,
      json: [{ result: 'OK' }, { error: 'ERR value is not an integer or out of range' }, { result: b64('abc') }, { result: 1 }],
    });
  });

  it('/multi-exec keeps EXEC-time errors per entry, and rejects a malformed transaction whole', async () => {
    const [key, kept] = [k('m'), k('kept')];
    const res = await post('/multi-exec', [['SET', key, 'abc'], ['INCR', key], ['GET', key]], encoded);
    expect(res).toEqual({
      status: 200,
      json: [{ result: 'OK' }, { error: 'ERR value is not an integer or out of range' }, { result: b64('abc') }],
    });
    const rejected = await post('/multi-exec', [['SET', kept, 'v'], ['SET', key]]);
    expect(rejected.status).toBe(400);
    expect(Array.isArray(rejected.json)).toBe(false);
    expect((rejected.json as { error: string }).error).toMatch(/^EXECABORT .*wrong number of arguments/);
    expect((await post('/', ['EXISTS', kept])).json).toEqual({ result: 0 });
    await post('/', ['DEL', key]);
  });

  it('keeps bridges with different db indexes apart and counts requests', async () => {
    const key = k('db');
    await post('/', ['SET', key, 'db0']);
    const res = await fetch(other.url, {
      method: 'POST',
      headers: { authorization: 'Bearer other', 'content-type': 'application/json' },
      body: JSON.stringify(['GET', key]),
    });
    expect(await res.json()).toEqual({ result: null });
    expect(other.requests).toEqual([{ path: '/', status: 200, body: ['GET', key] }]);
    await post('/', ['DEL', key]);
  });
});
