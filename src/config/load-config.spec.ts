import { ConfigError, loadConfig } from './load-config';

const base = { DATABASE_URL: 'mysql://root@127.0.0.1:3306/wa', TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32) };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const { config, warnings } = loadConfig(base);
    expect(config).toMatchObject({
      PORT: 3000,
      NODE_ENV: 'development',
      WEBHOOK_TIMEOUT: 10000,
      WEBHOOK_MAX_RETRIES: 3,
      MAX_SESSIONS: 10,
      SESSION_TIMEOUT_HOURS: 24,
      TRUST_PROXY: 'loopback',
      MIGRATE_ON_START: true,
    });
    expect(warnings).toEqual([]);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'postgres://x/y' }, /DATABASE_URL must be a mysql:\/\/ URL/],
    [{ DATABASE_URL: '' }, /DATABASE_URL is required/],
    [{ TOKEN_ENCRYPTION_KEY: 'short' }, /TOKEN_ENCRYPTION_KEY must be 64 hex/],
    [{ WEBHOOK_URL: 'ftp://x' }, /WEBHOOK_URL must be an http/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ MAX_SESSIONS: '0' }, /MAX_SESSIONS/],
  ])('refuses %o with one line naming the variable', (override, expected) => {
    expect(() => loadConfig({ ...base, ...override })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...override })).toThrow(expected);
  });

  it('requires TOKEN_ENCRYPTION_KEY in production and uses a random one, loudly, in development', () => {
    expect(() => loadConfig({ ...base, TOKEN_ENCRYPTION_KEY: undefined, NODE_ENV: 'production' })).toThrow(
      /TOKEN_ENCRYPTION_KEY is required in production/,
    );
    const { config, warnings } = loadConfig({ ...base, TOKEN_ENCRYPTION_KEY: undefined });
    expect(config.TOKEN_ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(warnings.join()).toMatch(/TOKEN_ENCRYPTION_KEY is not set/);
  });

  it('never allows the sandbox in production', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', SANDBOX: 'true' })).toThrow(/SANDBOX/);
  });

  it('reads booleans and numbers from strings', () => {
    const { config } = loadConfig({ ...base, MIGRATE_ON_START: 'false', PORT: '8080', MEDIA_DOWNLOAD: '0' });
    expect(config.MIGRATE_ON_START).toBe(false);
    expect(config.MEDIA_DOWNLOAD).toBe(false);
    expect(config.PORT).toBe(8080);
  });
});
