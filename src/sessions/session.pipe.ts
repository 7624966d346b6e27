import { Injectable, Param, type PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { DomainError } from '../common/errors';
import { SessionRepository, type SessionRecord } from '../whatsapp/session.repository';

/** Resolves a route's `:id` to its session (404 SESSION_NOT_FOUND when there is none). */
@Injectable()
export class SessionPipe implements PipeTransform<string, Promise<SessionRecord>> {
  constructor(private readonly sessions: SessionRepository) {}

  async transform(id: string): Promise<SessionRecord> {
    const session = await this.sessions.find(id);
    if (!session) throw new DomainError('SESSION_NOT_FOUND', 'Session not found');
    return session;
  }
}

/**
 * The route's session, from its `:id`: `@SessionParam() session: SessionRecord`. Documented in the
 * OpenAPI description as the `id` path parameter it is read from.
 */
export function SessionParam(): ParameterDecorator {
  return (target, key, index) => {
    Param('id', SessionPipe)(target, key, index);
    const method = Object.getOwnPropertyDescriptor(target, key!)!;
    ApiParam({ name: 'id', type: String, description: 'The session id' })(target, key!, method);
  };
}
