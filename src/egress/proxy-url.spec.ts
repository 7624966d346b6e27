import { maskedProxyUrl, parseProxyUrl, ProxyUrlError } from './proxy-url';

describe('parseProxyUrl', () => {
  it('takes http, https, socks5 and socks5h URLs with host and port, credentials decoded', () => {
    expect(parseProxyUrl('socks5://us%40er:p%3Ass@proxy.example.com:1080')).toEqual({
      href: 'socks5://us%40er:p%3Ass@proxy.example.com:1080',
      scheme: 'socks5',
      host: 'proxy.example.com',
      port: 1080,
      username: 'us@er',
      password: 'p:ss',
    });
    expect(parseProxyUrl('HTTP://10.0.0.1:3128/')).toMatchObject({
      href: 'http://10.0.0.1:3128',
      scheme: 'http',
      username: null,
      password: null,
    });
    expect(parseProxyUrl('https://[::1]:8443')).toMatchObject({ host: '::1', port: 8443 });
    expect(parseProxyUrl('socks5h://token@h:1')).toMatchObject({ username: 'token', password: null });
  });

  it.each([
    ['another scheme', 'ftp://h:21'],
    ['socks4', 'socks4://h:1080'],
    ['no port', 'http://proxy.example.com'],
    ['no host', 'socks5://user:pass@:1080'],
    ['a path', 'http://h:3128/path'],
    ['a query', 'http://h:3128?x=1'],
    ['port 0', 'http://h:0'],
    ['port out of range', 'http://h:65536'],
    ['not a URL', 'proxy.example.com:3128'],
    ['bad percent-encoding', 'http://u:%zz@h:1'],
  ])('refuses %s', (_what, raw) => {
    expect(() => parseProxyUrl(raw)).toThrow(ProxyUrlError);
  });

  it('never quotes the URL in its error', () => {
    try {
      parseProxyUrl('ftp://user:secret-pass@h:21');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-pass');
      return;
    }
    throw new Error('expected a refusal');
  });
});

describe('maskedProxyUrl', () => {
  it('masks the password, and a user name that stands alone (a token)', () => {
    expect(maskedProxyUrl(parseProxyUrl('socks5://user:pw@h:1080'))).toBe('socks5://user:***@h:1080');
    expect(maskedProxyUrl(parseProxyUrl('http://tok3n@h:3128'))).toBe('http://***@h:3128');
    expect(maskedProxyUrl(parseProxyUrl('https://[::1]:8443'))).toBe('https://[::1]:8443');
  });
});
