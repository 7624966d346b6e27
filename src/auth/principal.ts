import type { Request } from 'express';
import type { UserRole } from '../generated/prisma/enums';

/** A person logged in with email and password (or the legacy dashboard password). */
export interface UserPrincipal {
  kind: 'user';
  userId: number;
  email: string;
  /** Read from the database on every request, so a role change applies at once. */
  role: UserRole;
  /** The refresh-token family of this login; logout revokes it and every access token of it. */
  loginId: string;
  mustChangePassword: boolean;
}

/** A session API token: it acts only on the session it belongs to. */
export interface SessionTokenPrincipal {
  kind: 'session-token';
  sessionId: string;
  tokenId: number;
  prefix: string;
}

/** The MASTER_API_KEY header. */
export interface MasterKeyPrincipal {
  kind: 'master-key';
}

/** Whoever made a request, as established by the global AccessGuard. */
export type Principal = UserPrincipal | SessionTokenPrincipal | MasterKeyPrincipal;

/** An Express request after the AccessGuard let it through (public routes carry no principal). */
export type AuthenticatedRequest = Request & { principal?: Principal };

/** Who acted, for the activity log and for people: an email, `session-token:<prefix>` or `master-key`. */
export function principalLabel(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return principal.email;
    case 'session-token':
      return `session-token:${principal.prefix}`;
    case 'master-key':
      return 'master-key';
  }
}

/** The principal of a user who has just logged in (or changed their password) as `loginId`. */
export function userPrincipal(
  user: { id: number; email: string; role: UserRole; mustChangePassword: boolean },
  loginId: string,
): UserPrincipal {
  return {
    kind: 'user',
    userId: user.id,
    email: user.email,
    role: user.role,
    loginId,
    mustChangePassword: user.mustChangePassword,
  };
}
