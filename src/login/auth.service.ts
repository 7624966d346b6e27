import { Injectable } from '@nestjs/common';
import { ActivityService, audited } from '../activity/activity.service';
import { DomainEvents } from '../common/domain-events';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { safeEqual } from '../crypto/secret-box';
import type { User } from '../generated/prisma/client';
import { Database } from '../prisma/database';
import { type Actor } from '../auth/actor';
import { AuthTokensIssuer, type AuthTokens } from './auth-tokens';
import { Clock } from '../auth/clock';
import { LEGACY_PASSWORD_ACCOUNT, LoginLockout, userAccount } from './login-lockout';
import { PasswordHasher } from '../auth/password-hasher';
import type { UserPrincipal } from '../auth/principal';
import { RefreshTokensService } from '../auth/refresh-tokens.service';
import { mapUser, normaliseEmail, type UserView } from '../auth/user-view';
import { UsersRepository } from '../auth/users.repository';

/** One answer for every failed login, so it never tells whether the email exists. */
const invalidCredentials = () => new DomainError('INVALID_CREDENTIALS', 'Invalid email or password');
const invalidRefresh = () => new DomainError('INVALID_REFRESH_TOKEN', 'Invalid or expired refresh token');

/** Logging in and out, refreshing, changing one's own password. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly database: Database,
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockout,
    private readonly issuer: AuthTokensIssuer,
    private readonly refreshTokens: RefreshTokensService,
    private readonly activity: ActivityService,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Every path spends one bcrypt comparison (against a dummy hash for an unknown email) and writes one
   * activity row before answering, so the time taken does not reveal whether the account exists.
   */
  async login(emailInput: string, password: string, from: Actor): Promise<AuthTokens> {
    const email = normaliseEmail(emailInput);
    const user = await this.users.findByEmail(email);
    const fail = async (reason: string, extra: Record<string, unknown> = {}) => {
      await this.activity.record({
        ...audited(from),
        action: 'auth.login_failed',
        actorLabel: email,
        ...(user ? { targetType: 'user', targetId: user.id } : {}),
        metadata: { reason, ...extra },
      });
      return invalidCredentials();
    };
    if (!user) {
      await this.hasher.verifyNothing(password);
      throw await fail('unknown_email');
    }
    const passwordOk = await this.hasher.verify(password, user.passwordHash);
    const account = userAccount(user.id);
    const lock = await this.lockout.lockOf(account, from.ip, user);
    if (lock) throw await fail('locked', { scope: lock.scope, lockedUntil: lock.lockedUntil });
    if (!user.active) throw await fail('inactive');
    if (!passwordOk) {
      const started = await this.lockout.recordFailure(account, from.ip, user);
      throw await fail(
        'bad_password',
        started ? { lock: started.scope, lockedUntil: started.lockedUntil } : {},
      );
    }
    const { tokens, principal } = await this.issuer.startLogin(
      await this.lockout.recordSuccess(user.id, from.ip),
    );
    await this.activity.record({
      ...audited({ ...from, principal }),
      action: 'auth.login',
      targetType: 'user',
      targetId: user.id,
      metadata: { method: 'password' },
    });
    return tokens;
  }

  /**
   * The seed's single dashboard password (ADMIN_DASHBOARD_PASSWORD), kept for compatibility: it logs in
   * as the oldest active admin account. The route does not exist (404) when the variable is unset or
   * the password is not enabled (off in production unless ADMIN_DASHBOARD_PASSWORD_ENABLED=true).
   * It has its own failure counter and lockout (LoginLockout, account 'legacy-password'), is refused
   * while the admin it logs in as is locked, and is audited as its own actor ('legacy-password').
   */
  async dashboardLogin(password: string, from: Actor): Promise<AuthTokens> {
    const expected = this.config.ADMIN_DASHBOARD_PASSWORD;
    if (!expected || !this.config.ADMIN_DASHBOARD_PASSWORD_ENABLED)
      throw new DomainError('NOT_FOUND', 'Not found');
    const admin = await this.users.oldestActiveAdmin();
    const passwordOk = safeEqual(password, expected);
    const fail = async (reason: string, extra: Record<string, unknown> = {}) => {
      await this.activity.record({
        ...audited(from),
        action: 'auth.login_failed',
        actorLabel: LEGACY_PASSWORD_ACCOUNT,
        ...(admin ? { targetType: 'user', targetId: admin.id } : {}),
        metadata: { reason, method: 'dashboard-password', via: 'legacy_password', ...extra },
      });
      return new DomainError('INVALID_CREDENTIALS', 'Invalid password');
    };
    const ownLock = await this.lockout.lockOf(LEGACY_PASSWORD_ACCOUNT, from.ip);
    if (ownLock) throw await fail('locked', { scope: ownLock.scope, lockedUntil: ownLock.lockedUntil });
    if (!passwordOk) {
      const started = await this.lockout.recordFailure(LEGACY_PASSWORD_ACCOUNT, from.ip);
      throw await fail(
        'bad_password',
        started ? { lock: started.scope, lockedUntil: started.lockedUntil } : {},
      );
    }
    if (!admin) throw await fail('no_active_admin');
    // The admin's own lock (from this address or for everyone) holds for the legacy password too.
    const adminLock = await this.lockout.lockOf(userAccount(admin.id), from.ip, admin);
    if (adminLock)
      throw await fail('admin_locked', { scope: adminLock.scope, lockedUntil: adminLock.lockedUntil });
    await this.lockout.recordLegacySuccess(from.ip);
    const user = await this.users.update(admin.id, { lastLoginAt: this.clock.now() });
    const { tokens } = await this.issuer.startLogin(user);
    await this.activity.record({
      ...audited(from),
      action: 'auth.login',
      actorLabel: LEGACY_PASSWORD_ACCOUNT,
      targetType: 'user',
      targetId: user.id,
      metadata: { method: 'dashboard-password', via: 'legacy_password', legacy: true, as: user.email },
    });
    return tokens;
  }

  async refresh(refreshToken: string, from: Actor): Promise<AuthTokens> {
    const result = await this.refreshTokens.rotate(refreshToken);
    if (result.outcome === 'invalid') throw invalidRefresh();
    if (result.outcome === 'reused') {
      this.events.emit('user.access_changed', {
        userId: result.userId,
        loginId: result.familyId,
        reason: 'refresh_reused',
      });
      await this.activity.record({
        ...audited(from),
        action: 'auth.refresh_reused',
        targetType: 'user',
        targetId: result.userId,
        metadata: { loginId: result.familyId },
      });
      throw invalidRefresh();
    }
    return this.issuer.answer(await this.userOf(result.userId), result.next);
  }

  /** Ends this login: its refresh token and its access tokens stop working. */
  async logout(principal: UserPrincipal, from: Actor): Promise<void> {
    await this.refreshTokens.revokeFamily(principal.loginId);
    this.events.emit('user.access_changed', {
      userId: principal.userId,
      loginId: principal.loginId,
      reason: 'logout',
    });
    await this.activity.record({
      ...audited({ ...from, principal }),
      action: 'auth.logout',
      targetType: 'user',
      targetId: principal.userId,
    });
  }

  async me(principal: UserPrincipal): Promise<UserView> {
    return mapUser(await this.userOf(principal.userId));
  }

  /**
   * Needs the current password. Every login of the user ends (other devices too); the answer carries
   * the tokens of a new login for this one.
   */
  async changeOwnPassword(
    principal: UserPrincipal,
    currentPassword: string,
    newPassword: string,
    from: Actor,
  ): Promise<AuthTokens> {
    const user = await this.userOf(principal.userId);
    if (!(await this.hasher.verify(currentPassword, user.passwordHash))) {
      throw new DomainError('INVALID_CURRENT_PASSWORD', 'The current password is not correct');
    }
    if (currentPassword === newPassword) {
      throw new DomainError('PASSWORD_UNCHANGED', 'The new password must differ from the current one');
    }
    const passwordHash = await this.hasher.hash(newPassword);
    const newLogin = await this.database.transaction(async (tx) => {
      const updated = await this.users.update(
        user.id,
        { passwordHash, mustChangePassword: false, failedLoginCount: 0, lockedUntil: null },
        tx,
      );
      await this.refreshTokens.revokeAllOfUser(user.id, tx);
      const { tokens } = await this.issuer.startLogin(updated, tx);
      await this.activity.record(
        {
          ...audited({ ...from, principal }),
          action: 'user.password_changed',
          targetType: 'user',
          targetId: user.id,
        },
        tx,
      );
      return tokens;
    });
    // Every login ended, this one too: its sockets reconnect with a token of the new login.
    this.events.emit('user.access_changed', { userId: user.id, reason: 'password_changed' });
    return newLogin;
  }

  /** The user of a valid token or login: it exists (users are deactivated, never deleted). */
  private async userOf(id: number): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new DomainError('UNAUTHORIZED', 'Invalid or expired credentials');
    return user;
  }
}
