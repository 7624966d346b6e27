import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('requires TOKEN_ENCRYPTION_KEY in production and uses a random one, loudly, in tests', () => {
    expect(() => loadConfig({ ...base, TOKEN_ENCRYPTION_KEY: undefined, NODE_ENV: 'production' })).toThrow(
      /TOKEN_ENCRYPTION_KEY is required in production/,
    );
    const { config, warnings } = loadConfig({ ...base, TOKEN_ENCRYPTION_KEY: undefined, NODE_ENV: 'test' });
    expect(config.TOKEN_ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(warnings.join()).toMatch(/TOKEN_ENCRYPTION_KEY is not set/);
  });

  it('in development without TOKEN_ENCRYPTION_KEY, generates a key once and keeps it in a 0600 file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wagw-key-'));
    try {
      const env = {
        ...base,
        TOKEN_ENCRYPTION_KEY: undefined,
        TOKEN_ENCRYPTION_KEY_FILE: join(dir, 'sub', 'key'),
      };
      const first = loadConfig(env);
      expect(first.config.TOKEN_ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
      expect(first.warnings.join()).toMatch(/generated one and kept it in/);
      expect(statSync(join(dir, 'sub', 'key')).mode & 0o777).toBe(0o600);
      const second = loadConfig(env);
      expect(second.config.TOKEN_ENCRYPTION_KEY).toBe(first.config.TOKEN_ENCRYPTION_KEY);
      expect(second.warnings).toEqual([]);
      writeFileSync(join(dir, 'sub', 'key'), 'not a key');
      expect(() => loadConfig(env)).toThrow(/TOKEN_ENCRYPTION_KEY_FILE cannot be used/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the legacy dashboard password is off in production unless ADMIN_DASHBOARD_PASSWORD_ENABLED=true', () => {
    const prod = { ...base, NODE_ENV: 'production', ADMIN_DASHBOARD_PASSWORD: 'legacy-password-1' };
    expect(loadConfig(prod).config.ADMIN_DASHBOARD_PASSWORD_ENABLED).toBe(false);
    expect(
      loadConfig({ ...prod, ADMIN_DASHBOARD_PASSWORD_ENABLED: 'true' }).config
        .ADMIN_DASHBOARD_PASSWORD_ENABLED,
    ).toBe(true);
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).config.ADMIN_DASHBOARD_PASSWORD_ENABLED).toBe(true);
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
