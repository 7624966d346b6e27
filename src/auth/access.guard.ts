import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { safeEqual } from '../crypto/secret-box';
import { ALLOW_PENDING_PASSWORD_CHANGE, requirementsOf, type AuthRequirement } from './auth-requirements';
import { JwtStrategy } from './jwt.strategy';
import type { AuthenticatedRequest, Principal } from './principal';
import { SESSION_TOKEN_PREFIX, SessionTokensService } from './session-tokens.service';

const MASTER_KEY_HEADER = 'x-master-key';

type Verdict = 'allowed' | 'other-session' | 'forbidden';

/**
 * The one gate of every HTTP route (registered as APP_GUARD). It reads the route's requirements
 * (`@Public`, `@Roles`, `@SessionToken`, `@MasterKey`; none means admin only), identifies the
 * credentials presented, and lets the request through when any of them satisfies any requirement.
 * No valid credentials: 401. Valid ones this route does not take: 403 (404 for a session token of
 * another session, so a token cannot probe which sessions exist).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly jwt: JwtStrategy,
    private readonly sessionTokens: SessionTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // The WebSocket gateway authenticates its connections itself (WsTokenService).
    if (context.getType() !== 'http') return true;
    const requirements = requirementsOf(this.reflector, context);
    if (requirements.some((r) => r.kind === 'public')) return true;

    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const { principals, presented } = await this.identify(req, res);
    if (principals.length === 0) {
      throw new DomainError(
        'UNAUTHORIZED',
        presented ? 'Invalid or expired credentials' : 'Authentication required',
      );
    }

    const verdicts = principals.map((p) => ({ principal: p, verdict: this.judge(p, requirements, req) }));
    const allowed = verdicts.find((v) => v.verdict === 'allowed')?.principal;
    if (!allowed) {
      if (verdicts.some((v) => v.verdict === 'other-session'))
        throw new DomainError('NOT_FOUND', 'Session not found');
      throw new DomainError('FORBIDDEN', 'These credentials may not call this route');
    }
    if (allowed.kind === 'user' && allowed.mustChangePassword && !this.allowsPendingChange(context)) {
      throw new DomainError('PASSWORD_CHANGE_REQUIRED', 'Change your password before doing anything else');
    }
    req.principal = allowed;
    return true;
  }

  private judge(
    principal: Principal,
    requirements: readonly AuthRequirement[],
    req: AuthenticatedRequest,
  ): Verdict {
    let verdict: Verdict = 'forbidden';
    for (const requirement of requirements) {
      if (
        requirement.kind === 'roles' &&
        principal.kind === 'user' &&
        requirement.roles.includes(principal.role)
      )
        return 'allowed';
      if (requirement.kind === 'master-key' && principal.kind === 'master-key') return 'allowed';
      if (requirement.kind === 'session-token' && principal.kind === 'session-token') {
        if (req.params[requirement.param] === principal.sessionId) return 'allowed';
        verdict = 'other-session';
      }
    }
    return verdict;
  }

  private async identify(
    req: AuthenticatedRequest,
    res: Response,
  ): Promise<{ principals: Principal[]; presented: boolean }> {
    const principals: Principal[] = [];
    let presented = false;

    const masterKey = req.headers[MASTER_KEY_HEADER];
    if (masterKey !== undefined) {
      presented = true;
      const expected = this.config.MASTER_API_KEY;
      if (expected && typeof masterKey === 'string' && safeEqual(masterKey, expected)) {
        principals.push({ kind: 'master-key' });
      }
    }

    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      presented = true;
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      if (bearer?.startsWith(`${SESSION_TOKEN_PREFIX}_`)) {
        const verified = await this.sessionTokens.verify(bearer);
        if (verified) principals.push({ kind: 'session-token', ...verified });
      } else if (bearer) {
        const user = await this.jwt.authenticateRequest(req, res);
        if (user) principals.push(user);
      }
    }
    return { principals, presented };
  }

  private allowsPendingChange(context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_PASSWORD_CHANGE, [
        context.getHandler(),
        context.getClass(),
      ]) === true
    );
  }
}
