import type { Request } from 'express';

export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}

const USER_AGENT_MAX = 512;

/**
 * Where a request came from, for the activity log. `req.ip` already honours TRUST_PROXY, so a
 * forwarded address is believed only from a trusted proxy.
 */
export function requestContext(req: Request): RequestContext {
  const userAgent = req.get('user-agent');
  return {
    ip: req.ip ?? null,
    userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null,
  };
}
