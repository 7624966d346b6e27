import { isSecretKey, looksLikeSecret, REDACTED, sanitizeMetadata } from './metadata-sanitizer';

describe('sanitizeMetadata', () => {
  it.each([
    'password',
    'newPassword',
    'current_password',
    'token',
    'accessToken',
    'refresh-token',
    'secret',
    'webhookSecret',
    'authorization',
    'Authorization',
    'x-master-key',
    'apiKey',
    'key',
    'tokenHash',
    'cookie',
  ])('treats %s as a credential key', (key) => expect(isSecretKey(key)).toBe(true));

  it.each(['tokenId', 'tokenName', 'prefix', 'keyId', 'name', 'email', 'reason', 'changes'])(
    'keeps %s',
    (key) => expect(isSecretKey(key)).toBe(false),
  );

  it.each([
    `wag_${'a'.repeat(43)}`,
    `wrt_${'b'.repeat(43)}`,
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
    '$2b$12$abcdefghijklmnopqrstuv',
    'Bearer xyz',
  ])('recognises %s as a credential value', (value) => expect(looksLikeSecret(value)).toBe(true));

  it('drops credential keys at any depth, redacts credential values, and keeps the rest as JSON', () => {
    const when = new Date('2026-01-02T03:04:05.000Z');
    expect(
      sanitizeMetadata({
        password: 'x',
        reason: 'bad_password',
        count: 3,
        ok: true,
        none: null,
        big: 12n,
        when,
        skipped: undefined,
        nested: { token: 'y', deeper: { secret: 'z', visible: 'v' } },
        list: ['plain', `wag_${'c'.repeat(43)}`, { apiKey: 'k', id: 1 }],
      }),
    ).toEqual({
      reason: 'bad_password',
      count: 3,
      ok: true,
      none: null,
      big: '12',
      when: '2026-01-02T03:04:05.000Z',
      nested: { deeper: { visible: 'v' } },
      list: ['plain', REDACTED, { id: 1 }],
    });
  });
});
