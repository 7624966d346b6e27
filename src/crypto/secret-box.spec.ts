import { loadConfig } from '../config/load-config';
import { hashToken, newOpaqueToken, safeEqual, SecretBox } from './secret-box';

const box = (key = 'ab'.repeat(32)) =>
  new SecretBox(loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1/x', TOKEN_ENCRYPTION_KEY: key }).config);

describe('SecretBox', () => {
  it('round-trips, and never stores the plaintext', () => {
    const sealed = box().encrypt('signal key material', 'auth-state');
    expect(sealed.toString('latin1')).not.toContain('signal key material');
    expect(box().decrypt(sealed, 'auth-state').toString()).toBe('signal key material');
  });

  it('refuses another purpose, another key, or an altered value', () => {
    const sealed = box().encrypt('x', 'auth-state');
    expect(() => box().decrypt(sealed, 'webhook-secret')).toThrow();
    expect(() => box('cd'.repeat(32)).decrypt(sealed, 'auth-state')).toThrow();
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] ^= 1;
    expect(() => box().decrypt(altered, 'auth-state')).toThrow();
  });

  it('uses a fresh IV each time', () => {
    expect(box().encrypt('x', 'p').equals(box().encrypt('x', 'p'))).toBe(false);
  });
});

describe('token helpers', () => {
  it('makes distinct prefixed tokens and hashes them to 64 hex chars', () => {
    const a = newOpaqueToken('wag');
    expect(a).toMatch(/^wag_[\w-]{43}$/);
    expect(a).not.toBe(newOpaqueToken('wag'));
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('compares in constant time and exactly', () => {
    expect(safeEqual('secret-key', 'secret-key')).toBe(true);
    expect(safeEqual('secret-key', 'secret-kez')).toBe(false);
    expect(safeEqual('secret-key', 'secret')).toBe(false);
  });
});
