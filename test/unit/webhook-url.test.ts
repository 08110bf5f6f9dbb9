/**
 * Webhook targets: only https to public addresses, judged on the URL and again on what its host
 * resolves to at call time (DNS rebinding).
 */
import { describe, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import { isPublicAddress, resolveWebhookTarget, webhookUrlProblem, type HostResolver } from '@strata/core/net/webhook-url';

describe('isPublicAddress', () => {
  it.each([
    '0.0.0.0', '0.1.2.3', '10.0.0.1', '10.255.255.255', '100.64.0.1', '100.127.255.254', '127.0.0.1', '127.9.9.9',
    '169.254.169.254', '169.254.0.1', '172.16.0.1', '172.31.255.255', '192.0.0.8', '192.0.2.1', '192.88.99.1', '192.168.1.1',
    '198.18.0.1', '198.19.255.255', '198.51.100.7', '203.0.113.9', '224.0.0.1', '239.255.255.255', '240.0.0.1', '255.255.255.255',
    '::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:10.1.2.3', '64:ff9b::a9fe:a9fe', '64:ff9b::10.0.0.1',
    '64:ff9b:1::1', 'fc00::1', 'fd00:ec2::254', 'fdff:ffff::1', 'fe80::1', 'febf::1', 'fec0::1', 'ff02::1', '100::1', '2001:db8::1',
    '2001::1', '2002:7f00:1::1', '3fff::1', '::127.0.0.1', '[::1]', 'fe80::1%eth0', 'localhost', '', '1.2.3', '01.2.3.4', '1.2.3.256',
  ])('%s is not public', (ip) => expect(isPublicAddress(ip)).toBe(false));

  it.each(['93.184.215.14', '1.1.1.1', '8.8.8.8', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '169.253.255.255',
    '192.167.255.255', '198.17.255.255', '223.255.255.255', '2606:4700:4700::1111', '2a00:1450:4001:82b::200e', '::ffff:8.8.8.8',
    '64:ff9b::808:808', '2001:4860:4860::8888', '[2606:4700:4700::1111]',
  ])('%s is public', (ip) => expect(isPublicAddress(ip)).toBe(true));
});

describe('webhookUrlProblem (registration, no DNS)', () => {
  it.each([
    ['http://hooks.example/x', 'must use https'],
    ['ftp://hooks.example/x', 'must use https'],
    ['not a url', 'must be an absolute URL'],
    ['https://user:pw@hooks.example/x', 'must not carry credentials'],
    ['https://169.254.169.254/latest/meta-data/', 'non-public'],
    ['https://127.0.0.1/', 'non-public'],
    ['https://2130706433/', 'non-public'], // 127.0.0.1 as one number
    ['https://0x7f.1/', 'non-public'],
    ['https://[::1]/', 'non-public'],
    ['https://[::ffff:169.254.169.254]/', 'non-public'],
    ['https://[fd00:ec2::254]/', 'non-public'],
    ['https://10.0.0.1:8443/', 'non-public'],
    ['https://100.64.0.1/', 'non-public'],
    ['https://localhost/', 'fully qualified'],
    ['https://intranet/', 'fully qualified'],
    ['https://metadata.google.internal/', 'public host'],
    ['https://printer.local/', 'public host'],
    ['https://app.localhost/', 'public host'],
  ])('%s → refused (%s)', (url, why) => expect(webhookUrlProblem(url)).toContain(why));

  it.each(['https://hooks.example/x', 'https://93.184.215.14/hook', 'https://[2606:4700:4700::1111]:8443/h', 'https://hooks.example./x'])('%s → accepted', (url) =>
    expect(webhookUrlProblem(url)).toBeNull());
});

describe('resolveWebhookTarget (call time)', () => {
  const issueOf = async (p: Promise<unknown>) => {
    const e = await p.then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  };

  it('returns the vetted addresses to connect to', async () => {
    const r = await resolveWebhookTarget('https://hooks.example/x', async () => ['93.184.215.14', '2606:4700:4700::1111']);
    expect(r.addresses).toEqual(['93.184.215.14', '2606:4700:4700::1111']);
    expect(r.url.hostname).toBe('hooks.example');
  });

  it('refuses a host re-pointed at the metadata address after registration (DNS rebinding)', async () => {
    let answer = ['93.184.215.14'];
    const resolver: HostResolver = async () => answer;
    await expect(resolveWebhookTarget('https://hooks.example/x', resolver)).resolves.toMatchObject({ addresses: ['93.184.215.14'] });
    answer = ['169.254.169.254'];
    const e = await issueOf(resolveWebhookTarget('https://hooks.example/x', resolver));
    expect(e.code).toBe('validation-failed');
    expect(e.extra.issues).toEqual([{ path: 'webhookUrl', message: 'its host resolves to 169.254.169.254, which is not a public address' }]);
  });

  it('refuses when any one address is not public, when the name does not resolve, and fails closed when DNS fails', async () => {
    expect((await issueOf(resolveWebhookTarget('https://hooks.example/x', async () => ['93.184.215.14', '10.0.0.7']))).extra.issues?.[0]?.message).toContain('10.0.0.7');
    expect((await issueOf(resolveWebhookTarget('https://hooks.example/x', async () => ['::ffff:127.0.0.1']))).code).toBe('validation-failed');
    expect((await issueOf(resolveWebhookTarget('https://nowhere.example/x', async () => []))).extra.issues?.[0]?.message).toBe('its host does not resolve');
    const down = await issueOf(resolveWebhookTarget('https://hooks.example/x', async () => Promise.reject(new Error('SERVFAIL'))));
    expect(down.code).toBe('unavailable');
  });

  it('checks the URL itself again (a stored URL is not trusted) and never resolves a literal address', async () => {
    const calls: string[] = [];
    const resolver: HostResolver = async (h) => (calls.push(h), ['93.184.215.14']);
    expect((await issueOf(resolveWebhookTarget('http://hooks.example/x', resolver))).code).toBe('validation-failed');
    expect((await issueOf(resolveWebhookTarget('https://127.0.0.1/x', resolver))).code).toBe('validation-failed');
    expect(await resolveWebhookTarget('https://93.184.215.14/x', resolver)).toMatchObject({ addresses: ['93.184.215.14'] });
    expect(calls).toEqual([]);
  });
});
