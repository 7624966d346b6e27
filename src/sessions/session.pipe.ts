import { Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { SessionRepository, type SessionRecord } from '../whatsapp/session.repository';

/** Resolves a route's `:id` to its session: `@Param('id', SessionPipe) session: SessionRecord` (404 when none). */
@Injectable()
export class SessionPipe implements PipeTransform<string, Promise<SessionRecord>> {
  constructor(private readonly sessions: SessionRepository) {}

  async transform(id: string): Promise<SessionRecord> {
    const session = await this.sessions.find(id);
    if (!session) throw new DomainError('SESSION_NOT_FOUND', 'Session not found');
    return session;
  }
}
