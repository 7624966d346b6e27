import { Injectable } from '@nestjs/common';
import type { UserPrincipal } from './principal';
import { UsersRepository } from './users.repository';

/**
 * Turns the claims of a verified JWT into a principal, checking the database each time: the user is
 * still active and the login it belongs to was not revoked (logout, password change or reset,
 * deactivation, refresh-token reuse). So a token issued before any of those is refused at once.
 */
@Injectable()
export class UserPrincipals {
  constructor(private readonly users: UsersRepository) {}

  async fromClaims(subject: unknown, loginId: unknown): Promise<UserPrincipal | null> {
    const userId = Number(subject);
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof loginId !== 'string' || !loginId) return null;
    const user = await this.users.findWithLiveLogin(userId, loginId);
    if (!user) return null;
    return {
      kind: 'user',
      userId: user.id,
      email: user.email,
      role: user.role,
      loginId,
      mustChangePassword: user.mustChangePassword,
    };
  }
}
