import { bearerToken, metricsAccess } from './metrics-access';

const TOKEN = 'metrics-token-0123456789';

describe('metricsAccess', () => {
  const onApi = { METRICS_TOKEN: TOKEN, METRICS_PORT: 0 };
  const onOwnPort = { METRICS_TOKEN: TOKEN, METRICS_PORT: 9464 };

  it('allows the configured token on the listener that serves metrics', () => {
    expect(metricsAccess(onApi, 'api', `Bearer ${TOKEN}`)).toBe('allowed');
    expect(metricsAccess(onOwnPort, 'own', `bearer  ${TOKEN}`)).toBe('allowed');
  });

  it('refuses a missing, malformed or wrong token with 401', () => {
    for (const header of [
      undefined,
      '',
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
    ])
      expect(metricsAccess(onApi, 'api', header)).toBe('unauthorized');
  });

  it('has no /metrics at all without a token, whatever is presented', () => {
    expect(metricsAccess({ METRICS_PORT: 0 }, 'api', `Bearer ${TOKEN}`)).toBe('not_found');
    expect(metricsAccess({ METRICS_PORT: 0 }, 'api', undefined)).toBe('not_found');
  });

  it('serves only on METRICS_PORT when it is set, and only on the API port when it is not', () => {
    expect(metricsAccess(onOwnPort, 'api', `Bearer ${TOKEN}`)).toBe('not_found');
    expect(metricsAccess(onApi, 'own', `Bearer ${TOKEN}`)).toBe('not_found');
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, in any case of the scheme', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('BEARER abc ')).toBe('abc');
  });

  it('is null for anything else', () => {
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken('Token abc')).toBeNull();
  });
});
