import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { UserRole } from '../generated/prisma/enums';

/** One way a route may be called. A route lists one or more; any of them is enough. */
export type AuthRequirement =
  | { kind: 'public' }
  | { kind: 'roles'; roles: readonly UserRole[] }
  | { kind: 'session-token'; param: string }
  | { kind: 'master-key' };

export const AUTH_REQUIREMENTS = 'auth:requirements';
export const ALLOW_PENDING_PASSWORD_CHANGE = 'auth:allow-pending-password-change';

/** Deny by default: a route that declares nothing needs an admin's JWT. */
export const DEFAULT_REQUIREMENTS: readonly AuthRequirement[] = [{ kind: 'roles', roles: ['admin'] }];

/**
 * A decorator that adds one requirement to the route's (or controller's) list, so that
 * `@Roles(...) @SessionToken()` means "either", whatever the order of the decorators.
 */
export function addRequirement(requirement: AuthRequirement): MethodDecorator & ClassDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const holder: object = descriptor ? (descriptor.value as object) : target;
    const existing = (Reflect.getMetadata(AUTH_REQUIREMENTS, holder) as AuthRequirement[] | undefined) ?? [];
    Reflect.defineMetadata(AUTH_REQUIREMENTS, [...existing, requirement], holder);
  };
}

/**
 * The requirements of the route being called: the handler's own when it declares any (they replace
 * the controller's, they do not add to them), else the controller's, else admin only.
 */
export function requirementsOf(reflector: Reflector, context: ExecutionContext): readonly AuthRequirement[] {
  return (
    reflector.get<AuthRequirement[] | undefined>(AUTH_REQUIREMENTS, context.getHandler()) ??
    reflector.get<AuthRequirement[] | undefined>(AUTH_REQUIREMENTS, context.getClass()) ??
    DEFAULT_REQUIREMENTS
  );
}
