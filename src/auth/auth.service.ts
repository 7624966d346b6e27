import { BadRequestException, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import type { RequestContext } from '../activity/request-context';
import { AppConfig } from '../config/app-config';
import { safeEqual } from '../crypto/secret-box';
import { PrismaService } from '../prisma/prisma.service';
import { mapUser, normaliseEmail, type UserView } from '../users/user-view';
import { AuthTokensIssuer, type AuthTokens } from './auth-tokens';
import { Clock } from './clock';
import { LoginLockout } from './login-lockout';
import { PasswordHasher } from './password-hasher';
import type { UserPrincipal } from './principal';
import { RefreshTokensService } from './refresh-tokens.service';

/** One answer for every failed login, so it never tells whether the email exists. */
const invalidCredentials = () =>
  new UnauthorizedException({ message: 'Invalid email or password', code: 'INVALID_CREDENTIALS' });
const invalidRefresh = () =>
  new UnauthorizedException({ message: 'Invalid or expired refresh token', code: 'INVALID_REFRESH_TOKEN' });

/** Logging in and out, refreshing, changing one's own password. */
@Injectable()
export class AuthService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockout,
    private readonly issuer: AuthTokensIssuer,
    private readonly refreshTokens: RefreshTokensService,
    private readonly activity: ActivityService,
    private readonly clock: Clock,
  ) {}

  /**
   * Every path spends one bcrypt comparison (against a dummy hash for an unknown email) and writes one
   * activity row before answering, so the time taken does not reveal whether the account exists.
   */
  async login(emailInput: string, password: string, context: RequestContext): Promise<AuthTokens> {
    const email = normaliseEmail(emailInput);
    const user = await this.prisma.user.findUnique({ where: { email } });
    const fail = async (reason: string, extra: Record<string, unknown> = {}) => {
      await this.activity.record({
        action: 'auth.login_failed',
        actorLabel: email,
        ...(user ? { targetType: 'user', targetId: user.id } : {}),
        metadata: { reason, ...extra },
        ...context,
      });
      return invalidCredentials();
    };
    if (!user) {
      await this.hasher.verifyNothing(password);
      throw await fail('unknown_email');
    }
    const passwordOk = await this.hasher.verify(password, user.passwordHash);
    if (this.lockout.isLocked(user)) throw await fail('locked', { lockedUntil: user.lockedUntil });
    if (!user.active) throw await fail('inactive');
    if (!passwordOk) {
      const lockedUntil = await this.lockout.recordFailure(user.id);
      throw await fail('bad_password', lockedUntil ? { lockedUntil } : {});
    }
    const { tokens, principal } = await this.issuer.startLogin(await this.lockout.recordSuccess(user.id));
    await this.activity.record({
      action: 'auth.login',
      principal,
      targetType: 'user',
      targetId: user.id,
      metadata: { method: 'password' },
      ...context,
    });
    return tokens;
  }

  /**
   * The seed's single dashboard password (ADMIN_DASHBOARD_PASSWORD), kept for compatibility: it logs in
   * as the oldest active admin account. The route does not exist (404) when the variable is unset.
   */
  async dashboardLogin(password: string, context: RequestContext): Promise<AuthTokens> {
    const expected = this.config.ADMIN_DASHBOARD_PASSWORD;
    if (!expected) throw new NotFoundException('Not found');
    const admin = await this.prisma.user.findFirst({
      where: { role: 'admin', active: true },
      orderBy: { id: 'asc' },
    });
    const passwordOk = safeEqual(password, expected);
    if (!passwordOk || !admin) {
      await this.activity.record({
        action: 'auth.login_failed',
        actorLabel: 'dashboard-password',
        metadata: { reason: passwordOk ? 'no_active_admin' : 'bad_password', method: 'dashboard-password' },
        ...context,
      });
      throw new UnauthorizedException({ message: 'Invalid password', code: 'INVALID_CREDENTIALS' });
    }
    const user = await this.prisma.user.update({
      where: { id: admin.id },
      data: { lastLoginAt: this.clock.now() },
    });
    const { tokens, principal } = await this.issuer.startLogin(user);
    await this.activity.record({
      action: 'auth.login',
      principal,
      targetType: 'user',
      targetId: user.id,
      metadata: { method: 'dashboard-password' },
      ...context,
    });
    return tokens;
  }

  async refresh(refreshToken: string, context: RequestContext): Promise<AuthTokens> {
    const result = await this.refreshTokens.rotate(refreshToken);
    if (result.outcome === 'invalid') throw invalidRefresh();
    if (result.outcome === 'reused') {
      await this.activity.record({
        action: 'auth.refresh_reused',
        targetType: 'user',
        targetId: result.userId,
        metadata: { loginId: result.familyId },
        ...context,
      });
      throw invalidRefresh();
    }
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: result.userId } });
    return this.issuer.answer(user, result.next);
  }

  /** Ends this login: its refresh token and its access tokens stop working. */
  async logout(principal: UserPrincipal, context: RequestContext): Promise<void> {
    await this.refreshTokens.revokeFamily(principal.loginId);
    await this.activity.record({
      action: 'auth.logout',
      principal,
      targetType: 'user',
      targetId: principal.userId,
      ...context,
    });
  }

  async me(principal: UserPrincipal): Promise<UserView> {
    return mapUser(await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } }));
  }

  /**
   * Needs the current password. Every login of the user ends (other devices too); the answer carries
   * the tokens of a new login for this one.
   */
  async changeOwnPassword(
    principal: UserPrincipal,
    currentPassword: string,
    newPassword: string,
    context: RequestContext,
  ): Promise<AuthTokens> {
    const user = await this.prisma.user.findUniqueOrThrow({ where: { id: principal.userId } });
    if (!(await this.hasher.verify(currentPassword, user.passwordHash))) {
      throw new BadRequestException({
        message: 'The current password is not correct',
        code: 'INVALID_CURRENT_PASSWORD',
      });
    }
    if (currentPassword === newPassword) {
      throw new BadRequestException({
        message: 'The new password must differ from the current one',
        code: 'PASSWORD_UNCHANGED',
      });
    }
    const passwordHash = await this.hasher.hash(newPassword);
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.user.update({
        where: { id: user.id },
        data: { passwordHash, mustChangePassword: false, failedLoginCount: 0, lockedUntil: null },
      });
      await this.refreshTokens.revokeAllOfUser(user.id, tx);
      const { tokens } = await this.issuer.startLogin(updated, tx);
      await this.activity.record(
        { action: 'user.password_changed', principal, targetType: 'user', targetId: user.id, ...context },
        tx,
      );
      return tokens;
    });
  }
}
