import { principalLabel } from './principal';

describe('principalLabel', () => {
  it('names each kind of principal', () => {
    expect(
      principalLabel({
        kind: 'user',
        userId: 1,
        email: 'a@example.com',
        role: 'admin',
        loginId: 'l',
        mustChangePassword: false,
      }),
    ).toBe('a@example.com');
    expect(
      principalLabel({ kind: 'session-token', sessionId: 's', tokenId: 2, prefix: 'wag_AbCdEfGh' }),
    ).toBe('session-token:wag_AbCdEfGh');
    expect(principalLabel({ kind: 'master-key' })).toBe('master-key');
  });
});
