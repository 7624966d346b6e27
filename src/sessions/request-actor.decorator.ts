import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from '../auth/principal';
import type { Actor } from './sessions.service';

/** The principal of the request with its IP (after trust proxy) and user agent, for the activity log. */
export const RequestActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return {
    principal: req.principal ?? { kind: 'master-key' },
    ip: req.ip ?? null,
    userAgent: req.get('user-agent')?.slice(0, 512) ?? null,
  };
});
