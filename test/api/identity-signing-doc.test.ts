/**
 * docs/identity-signing.md's worked example, byte for byte: the message built from the request
 * it shows, its hex and digest, the key, both signature forms, and that the server accepts the
 * request exactly once at the example's time.
 */
import { readFileSync } from 'node:fs';
import { Hash, PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@strata/core/ports/clock';
import { identityMessage, verifyIdentity } from '@strata/core/identity/verify';
import { embeddedDeps, type TestStack } from '../support/deps';
import { call } from '../support/catalog-http';

const doc = readFileSync(new URL('../../docs/identity-signing.md', import.meta.url), 'utf8');
/** The fenced block tagged `<lang> <name>` (e.g. ```text message). */
function block(name: string): string {
  const m = new RegExp('```[a-z]+ ' + name + '\\n([\\s\\S]*?)\\n```').exec(doc);
  if (!m) throw new Error(`docs/identity-signing.md has no block named ${name}`);
  return m[1]!;
}

/** The example HTTP request: request line, headers, blank line, body. */
function exampleRequest() {
  const [head, body] = block('request').split('\n\n') as [string, string];
  const [requestLine, ...headerLines] = head.split('\n');
  const [method, target] = requestLine!.split(' ') as [string, string];
  const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
  return { method, target, headers, body };
}

const hex = (b: number[] | Uint8Array) => Buffer.from(b).toString('hex');

describe('docs/identity-signing.md worked example', () => {
  const key = PrivateKey.fromHex(block('private-key'));
  const req = exampleRequest();

  it('the message is the six fields of the example request, and its bytes and digest are as printed', () => {
    const message = identityMessage({ method: req.method, path: req.target, timestamp: req.headers['X-Timestamp']!, nonce: req.headers['X-Nonce']!, body: req.body });
    expect(block('message')).toBe(message);
    expect(hex(Buffer.from(message, 'utf8'))).toBe(block('message-hex'));
    expect(hex(Hash.sha256(Array.from(Buffer.from(message, 'utf8'))))).toBe(block('digest'));
  });

  it('the key, and both signature forms, are what signing produces', () => {
    expect(key.toPublicKey().toString()).toBe(block('identity-key'));
    expect(req.headers['X-Identity-Key']).toBe(block('identity-key'));
    const s = key.sign(block('message'), 'utf8');
    expect(s.toDER('hex')).toBe(block('signature-der'));
    expect(req.headers['X-Signature']).toBe(block('signature-der'));
    expect(s.r.toHex(32) + s.s.toHex(32)).toBe(block('signature-compact'));
    const at = Number(req.headers['X-Timestamp']) * 1000;
    for (const signature of [block('signature-der'), block('signature-compact')]) {
      const r = verifyIdentity({ identityKey: block('identity-key'), nonce: req.headers['X-Nonce'], timestamp: req.headers['X-Timestamp'], signature, method: req.method, path: req.target, body: req.body, nowMs: at, windowSec: 300 });
      expect(r.ok).toBe(true);
    }
  });

  it('the @bsv/sdk snippet builds the same message', () => {
    const snippet = /```ts\n([\s\S]*?)\n```/.exec(doc)![1]!;
    expect(snippet).toContain("['strata-identity-v2', 'POST', '/producers/register', timestamp, nonce, body].join('\\n')");
    expect(['strata-identity-v2', req.method, req.target, req.headers['X-Timestamp'], req.headers['X-Nonce'], req.body].join('\n')).toBe(block('message'));
  });

  describe('against the server at the example time', () => {
    let stack: TestStack;
    const clock = manualClock();
    beforeAll(async () => {
      stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0' }, { clock });
    });
    afterAll(async () => stack?.close());

    it('accepted once inside the window, then nonce-replayed; refused outside the window', async () => {
      // `call` sets the content type itself
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
      expect(req.headers['Content-Type']).toBe('application/json');
      const at = Number(req.headers['X-Timestamp']) * 1000;
      clock.set(at + 301_000);
      const late = await call(stack, req.method, req.target, { raw: req.body, headers });
      expect(late.status).toBe(401);
      expect(late.body).toMatchObject({ error: 'invalid-signature', hint: 'timestamp-outside-window' });
      clock.set(at + 299_000);
      const ok = await call(stack, req.method, req.target, { raw: req.body, headers });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      const profile = await call(stack, 'GET', `/producers/${ok.body.producerId}`);
      expect(profile.body).toMatchObject({ identityKey: block('identity-key'), name: 'Acme Weather' });
      const again = await call(stack, req.method, req.target, { raw: req.body, headers });
      expect(again.status).toBe(401);
      expect(again.body).toMatchObject({ error: 'nonce-replayed', hint: 'nonce-reused' });
    });
  });
});
