import { addressAllowed } from './address-policy';
import { checkUrl, checkUrlNow, EgressRefusedError, guardedLookup } from './egress-guard';

const strict = { allowPrivate: false };
const open = { allowPrivate: true };

describe('addressAllowed', () => {
  it.each([
    ['127.0.0.1', false, true],
    ['::1', false, true],
    ['::ffff:127.0.0.1', false, true],
    ['10.1.2.3', false, true],
    ['172.16.0.1', false, true],
    ['192.168.1.1', false, true],
    ['100.64.0.1', false, true],
    ['fd12::1', false, true],
    ['169.254.169.254', false, false],
    ['169.254.1.1', false, false],
    ['fe80::1', false, false],
    ['fd00:ec2::254', false, false],
    ['100.100.100.200', false, false],
    ['0.0.0.0', false, false],
    ['224.0.0.1', false, false],
    ['8.8.8.8', true, true],
    ['2606:4700::1111', true, true],
    ['not-an-ip', false, false],
  ])('%s: strict %s, with the private opt-in %s', (address, strictAnswer, openAnswer) => {
    expect(addressAllowed(address, false)).toBe(strictAnswer);
    expect(addressAllowed(address, true)).toBe(openAnswer);
  });
});

describe('checkUrl', () => {
  it.each([
    'http://127.0.0.1/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://[::1]/',
    'http://[::ffff:7f00:1]/',
    'http://169.254.169.254/latest/meta-data/',
  ])('refuses %s when private addresses are not allowed', (url) => {
    expect(() => checkUrl(url, strict)).toThrow(EgressRefusedError);
  });

  it('refuses other schemes and non-URLs, and metadata even with the opt-in', () => {
    expect(() => checkUrl('file:///etc/passwd', open)).toThrow('only http and https');
    expect(() => checkUrl('gopher://127.0.0.1/', open)).toThrow('only http and https');
    expect(() => checkUrl('not a url', open)).toThrow('not a URL');
    expect(() => checkUrl('http://169.254.169.254/', open)).toThrow('private or local address');
    expect(checkUrl('http://127.0.0.1:8080/x', open).port).toBe('8080');
  });

  it('keeps to the allowed hosts when the policy names them, trusted origins aside', () => {
    const policy = {
      allowPrivate: false,
      hostAllowed: (host: string) => host.endsWith('.whatsapp.net'),
      trustedOrigins: ['http://127.0.0.1:4000'],
    };
    expect(checkUrl('https://mmg.whatsapp.net/d/f/x.enc', policy).hostname).toBe('mmg.whatsapp.net');
    expect(() => checkUrl('https://evil.example/x.enc', policy)).toThrow('host not allowed');
    expect(checkUrl('http://127.0.0.1:4000/media/x', policy).port).toBe('4000');
    expect(() => checkUrl('http://127.0.0.1:4001/media/x', policy)).toThrow('host not allowed');
  });

  it('resolves names when asked: a name resolving to loopback is refused unless allowed', async () => {
    await expect(checkUrlNow('http://localhost:9/', strict)).rejects.toThrow('private or local address');
    await expect(checkUrlNow('http://localhost:9/', open)).resolves.toBeInstanceOf(URL);
    await expect(checkUrlNow('http://no-such-host.invalid/', open)).rejects.toThrow(
      'host name does not resolve',
    );
  });
});

describe('guardedLookup', () => {
  const lookup = (policy: { allowPrivate: boolean }, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) =>
      guardedLookup(policy)('localhost', { all }, (error, address) => resolve({ error, address })),
    );

  it('refuses at connection time the addresses the policy refuses, and hands over only allowed ones', async () => {
    const refused = await lookup(strict, false);
    expect(refused.error).toBeInstanceOf(EgressRefusedError);
    const one = await lookup(open, false);
    expect(one.error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(one.address);
    const all = await lookup(open, true);
    expect(all.error).toBeNull();
    expect(
      (all.address as { address: string }[]).every((a) => ['127.0.0.1', '::1'].includes(a.address)),
    ).toBe(true);
  });
});
