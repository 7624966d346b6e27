import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { DomainError } from '../common/errors';
import type { UserRole } from '../generated/prisma/enums';
import { ALLOW_PENDING_PASSWORD_CHANGE, addRequirement } from './auth-requirements';
import type { AuthenticatedRequest, Principal, UserPrincipal } from './principal';

/*
 * How a route says who may call it. The global AccessGuard reads these; a route (or controller) may
 * carry several and then ANY of the listed credentials is accepted. A route with none of them needs
 * an admin's JWT (deny by default). No credentials: 401; valid credentials that this route does not
 * accept: 403.
 */

export const ANY_ROLE: readonly UserRole[] = ['admin', 'operator', 'viewer'];
export const OPERATOR_ROLES: readonly UserRole[] = ['admin', 'operator'];

const unauthorized = ApiUnauthorizedResponse({ description: 'No valid credentials' });
const forbidden = ApiForbiddenResponse({ description: 'These credentials may not call this route' });

/** Anyone may call the route, with or without credentials (health, login, docs). */
export const Public = (): MethodDecorator & ClassDecorator => addRequirement({ kind: 'public' });

/** A user JWT (`Authorization: Bearer <accessToken>`) whose role is in the list. */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator =>
  applyDecorators(addRequirement({ kind: 'roles', roles }), ApiBearerAuth('bearer'), unauthorized, forbidden);

/**
 * A session API token (`Authorization: Bearer wag_...`) of the session named by the route parameter
 * (`:id` unless told otherwise). Another session's token is answered 404 'Session not found'.
 */
export const SessionToken = (param = 'id'): MethodDecorator & ClassDecorator =>
  applyDecorators(
    addRequirement({ kind: 'session-token', param }),
    ApiBearerAuth('bearer'),
    unauthorized,
    forbidden,
    ApiNotFoundResponse({ description: 'Session not found (or the token belongs to another session)' }),
  );

/** The `x-master-key` header equal to MASTER_API_KEY; never accepted when MASTER_API_KEY is unset. */
export const MasterKey = (): MethodDecorator & ClassDecorator =>
  applyDecorators(addRequirement({ kind: 'master-key' }), ApiSecurity('master-key'), unauthorized, forbidden);

/**
 * A user who must change their password may still call this route (change password, logout, me);
 * every other route answers 403 PASSWORD_CHANGE_REQUIRED until they do.
 */
export const AllowPendingPasswordChange = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ALLOW_PENDING_PASSWORD_CHANGE, true);

/** The principal the AccessGuard established for this request (undefined on public routes). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);

/** The logged-in user of a route that only users may call (403 for any other kind of principal). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): UserPrincipal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (principal?.kind !== 'user')
      throw new DomainError('FORBIDDEN', 'Only a logged-in user may call this route');
    return principal;
  },
);
