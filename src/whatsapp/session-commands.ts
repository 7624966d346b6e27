import { Injectable } from '@nestjs/common';
import type { FieldError } from '../common/api-envelope';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

/** A command as its holder runs it: a port method (by name) of a session, with its arguments. */
export interface SessionCommand {
  id: string;
  sessionId: string;
  target: string;
  method: string;
  args: unknown[];
}

/** What a command threw, as stored: a DomainError's code, message and field details (code null otherwise). */
export interface CommandError {
  code: string | null;
  message: string;
  details: FieldError[] | null;
}

/** Where a command stands, as its requester reads it. */
export type CommandAnswer =
  | { status: 'pending' | 'running' }
  | { status: 'done'; value: unknown }
  | { status: 'failed'; error: CommandError };

/**
 * The session_commands table (see CommandRelay): commands written by a process that does not hold
 * the session, claimed and answered by the one that does. A claim is one conditional UPDATE from
 * pending to running, so a command runs at most once whoever races for it; a command not claimed
 * before it expires is never run. Times are the database's own.
 */
@Injectable()
export class SessionCommands {
  constructor(private readonly prisma: PrismaService) {}

  /** Writes a command for the session's holder; it may be claimed for `seconds`. */
  async insert(command: SessionCommand & { requestedBy: string }, seconds: number): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO session_commands (id, session_id, target, method, args, status, requested_by, expires_at)
      VALUES (${command.id}, ${command.sessionId}, ${command.target}, ${command.method},
              ${JSON.stringify(command.args)}, 'pending', ${command.requestedBy},
              NOW(3) + INTERVAL ${seconds} SECOND)`;
  }

  /** The ids of the commands of these sessions waiting to be claimed, oldest first (one indexed query). */
  async pendingFor(sessionIds: string[]): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM session_commands
      WHERE status = 'pending' AND session_id IN (${Prisma.join(sessionIds)}) AND expires_at > NOW(3)
      ORDER BY created_at`;
    return rows.map((r) => r.id);
  }

  /** Takes a pending, unexpired command for `owner`; null when another claim (or its expiry) came first. */
  async claim(id: string, owner: string): Promise<SessionCommand | null> {
    const changed = await this.prisma.$executeRaw`
      UPDATE session_commands SET status = 'running', claimed_by = ${owner}
      WHERE id = ${id} AND status = 'pending' AND expires_at > NOW(3)`;
    if (changed !== 1) return null;
    const row = await this.prisma.sessionCommand.findUnique({
      where: { id },
      select: { sessionId: true, target: true, method: true, args: true },
    });
    if (!row) return null;
    return { id, ...row, args: Array.isArray(row.args) ? row.args : [] };
  }

  /** Records what the command answered (`undefined` is stored as null). */
  async finish(id: string, value: unknown): Promise<void> {
    await this.prisma.sessionCommand.updateMany({
      where: { id, status: 'running' },
      data: { status: 'done', result: { value: (value ?? null) as Prisma.InputJsonValue } },
    });
  }

  async fail(id: string, error: CommandError): Promise<void> {
    await this.prisma.sessionCommand.updateMany({
      where: { id, status: 'running' },
      data: {
        status: 'failed',
        errorCode: error.code,
        errorMessage: error.message,
        errorDetails: error.details ? (error.details as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
      },
    });
  }

  /** The command's state and answer; null when the row is gone. */
  async answer(id: string): Promise<CommandAnswer | null> {
    const row = await this.prisma.sessionCommand.findUnique({
      where: { id },
      select: { status: true, result: true, errorCode: true, errorMessage: true, errorDetails: true },
    });
    if (!row) return null;
    if (row.status === 'done')
      return { status: 'done', value: (row.result as { value?: unknown })?.value ?? null };
    if (row.status === 'failed')
      return {
        status: 'failed',
        error: {
          code: row.errorCode,
          message: row.errorMessage ?? '',
          details: (row.errorDetails as FieldError[] | null) ?? null,
        },
      };
    return { status: row.status };
  }

  /** Takes back a command nobody claimed yet; false when it was claimed (or is gone). */
  async withdraw(id: string): Promise<boolean> {
    const { count } = await this.prisma.sessionCommand.deleteMany({ where: { id, status: 'pending' } });
    return count === 1;
  }

  /** Removes a command whose answer was read. */
  async forget(id: string): Promise<void> {
    await this.prisma.sessionCommand.deleteMany({ where: { id } });
  }

  /** Removes commands expired for a minute (answers nobody read: their requester stopped waiting). */
  async prune(): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM session_commands WHERE expires_at < NOW(3) - INTERVAL 60 SECOND LIMIT 1000`;
  }
}
