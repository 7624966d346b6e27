import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest, Principal } from './principal';

const USER_AGENT_MAX = 512;

/**
 * Who did something and from where: the request's principal (null for the gateway itself, or on a
 * public route such as login) with its address and user agent, for the activity log.
 */
export interface Actor {
  principal: Principal | null;
  ip: string | null;
  userAgent: string | null;
}

/** The gateway acting by itself (the scheduler, the sandbox demo, crash recovery). */
export const SYSTEM_ACTOR: Actor = { principal: null, ip: null, userAgent: null };

/**
 * The actor of a request. `req.ip` already honours TRUST_PROXY, so a forwarded address is believed
 * only from a trusted proxy.
 */
export function actorOf(req: AuthenticatedRequest): Actor {
  const userAgent = req.get('user-agent');
  return {
    principal: req.principal ?? null,
    ip: req.ip ?? null,
    userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null,
  };
}

/** The Actor of the request, as a route parameter: `@RequestActor() actor: Actor`. */
export const RequestActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor =>
  actorOf(context.switchToHttp().getRequest<AuthenticatedRequest>()),
);

/** The user id of an actor, when a user acted (for `created_by_id` columns). */
export const userIdOf = (actor: Actor): number | null =>
  actor.principal?.kind === 'user' ? actor.principal.userId : null;

/**
 * Whether the actor may read configured credentials such as a webhook URL (which often carries a
 * token): the master key, operators and admins; not viewers or session tokens.
 */
export const seesCredentials = (actor: Actor): boolean =>
  actor.principal?.kind === 'master-key' ||
  (actor.principal?.kind === 'user' && actor.principal.role !== 'viewer');
