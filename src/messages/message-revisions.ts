import { Injectable } from '@nestjs/common';
import { DomainEvents, type MessageEditedEvent, type MessageRevokedEvent } from '../common/domain-events';
import { Prisma } from '../generated/prisma/client';
import { OutboxWriter } from '../outbox/outbox-writer';
import { PrismaService } from '../prisma/prisma.service';
import { chatFields } from './message-payloads';

/** Which stored message a revision is about, and where it was said (checked against the stored one). */
export interface RevisionTarget {
  sessionId: string;
  waMessageId: string;
  /** outbound when this session (or its phone) made the revision, inbound when a contact did. */
  direction: 'inbound' | 'outbound';
  chatJid: string;
  /** Group messages: who made the revision (phone digits), when known; an edit must be by the author. */
  author?: string | null;
}

export interface EditRevision extends RevisionTarget {
  /** WhatsApp's id of the edit message (an edit is applied once per id). */
  editId: string;
  text: string;
  at: Date;
}

export interface RevokeRevision extends RevisionTarget {
  at: Date;
}

/**
 * What applying a revision found: done, already applied (the same edit again, e.g. Baileys' echo of
 * an edit made through the API), not applicable (another chat or author, or the message is deleted),
 * or no such message stored (yet).
 */
export type RevisionResult = 'done' | 'duplicate' | 'refused' | 'missing';

/** One edit of a message, as the API shows the history. */
export interface MessageEditView {
  editId: string;
  text: string;
  previousText: string | null;
  editedAt: Date;
}

/** A stored message's state as the edit and delete routes need it. */
export interface RevisableMessage {
  type: string;
  chatJid: string;
  waTimestamp: Date;
  revokedAt: Date | null;
  raw: unknown;
}

const TARGET_SELECT = {
  id: true,
  text: true,
  chatJid: true,
  chatKind: true,
  fromNumber: true,
  toNumber: true,
  participant: true,
  revokedAt: true,
} as const;

type Target = Prisma.MessageGetPayload<{ select: typeof TARGET_SELECT }>;

const seconds = (at: Date): string => String(Math.floor(at.getTime() / 1000));

/**
 * Edits and deletes-for-everyone of stored messages (`messages.edited_at`, `revoked_at`, and the
 * `message_edits` history): each change in one transaction with its `message.edited` or
 * `message.revoked` outbox row, told to the process after commit. An edit keeps the text it replaced;
 * a delete keeps the stored text (the gateway's record) and marks the message revoked.
 */
@Injectable()
export class MessageRevisions {
  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxWriter,
    private readonly events: DomainEvents,
  ) {}

  /** A message of this session in one direction, for the edit and delete routes; null when none. */
  find(
    sessionId: string,
    waMessageId: string,
    direction: 'inbound' | 'outbound',
  ): Promise<RevisableMessage | null> {
    return this.prisma.message.findFirst({
      where: { sessionId, waMessageId, direction },
      select: { type: true, chatJid: true, waTimestamp: true, revokedAt: true, raw: true },
    });
  }

  /** The edits of a stored message, oldest first. */
  async history(sessionId: string, waMessageId: string): Promise<MessageEditView[]> {
    const rows = await this.prisma.messageEdit.findMany({
      where: { sessionId, message: { waMessageId } },
      orderBy: { id: 'asc' },
      select: { editId: true, text: true, previousText: true, editedAt: true },
    });
    return rows;
  }

  async edit(revision: EditRevision): Promise<RevisionResult> {
    let event: MessageEditedEvent;
    try {
      const result = await this.prisma.$transaction(async (tx) => {
        const target = await this.target(tx, revision);
        if (typeof target === 'string') return target;
        if (target.revokedAt) return 'refused';
        if (revision.author && target.participant && revision.author !== target.participant) return 'refused';
        // The unique (session, edit id) makes a second apply of the same edit fail here: once only.
        await tx.messageEdit.create({
          data: {
            messageId: target.id,
            sessionId: revision.sessionId,
            editId: revision.editId,
            previousText: target.text,
            text: revision.text,
            editedAt: revision.at,
          },
        });
        await tx.message.update({
          where: { id: target.id },
          data: { text: revision.text, editedAt: revision.at },
        });
        event = {
          ...this.eventBase(revision, target),
          editId: revision.editId,
          text: revision.text,
          previousText: target.text,
        };
        await this.outbox.write(tx, [
          {
            event: 'message.edited',
            sessionId: revision.sessionId,
            payload: {
              ...this.payloadBase(event),
              editId: event.editId,
              message: event.text,
              previousMessage: event.previousText ?? '',
            },
          },
        ]);
        return 'done' as const;
      });
      if (result !== 'done') return result;
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return 'duplicate';
      throw error;
    }
    this.events.emit('message.edited', event!);
    return 'done';
  }

  async revoke(revision: RevokeRevision): Promise<RevisionResult> {
    let event: MessageRevokedEvent | undefined;
    const result = await this.prisma.$transaction(async (tx) => {
      const target = await this.target(tx, revision);
      if (typeof target === 'string') return target;
      // The conditional update locks the row: of two deletes of one message, one is reported.
      const { count } = await tx.message.updateMany({
        where: { id: target.id, revokedAt: null },
        data: { revokedAt: revision.at },
      });
      if (count === 0) return 'duplicate';
      event = this.eventBase(revision, target);
      await this.outbox.write(tx, [
        { event: 'message.revoked', sessionId: revision.sessionId, payload: this.payloadBase(event) },
      ]);
      return 'done' as const;
    });
    if (event) this.events.emit('message.revoked', event);
    return result;
  }

  /** The stored message a revision is about, or why it does not apply. */
  private async target(
    tx: Prisma.TransactionClient,
    r: RevisionTarget,
  ): Promise<Target | 'missing' | 'refused'> {
    const target = await tx.message.findFirst({
      where: { sessionId: r.sessionId, waMessageId: r.waMessageId, direction: r.direction },
      select: TARGET_SELECT,
    });
    if (!target) return 'missing';
    // A revision sent in another chat than the message's is not about this message.
    return target.chatJid === r.chatJid ? target : 'refused';
  }

  private eventBase(r: RevisionTarget & { at: Date }, t: Target): MessageRevokedEvent {
    return {
      sessionId: r.sessionId,
      waMessageId: r.waMessageId,
      chatJid: t.chatJid,
      chatKind: t.chatKind,
      direction: r.direction,
      from: t.fromNumber,
      to: t.toNumber,
      participant: t.participant,
      at: r.at,
    };
  }

  private payloadBase(e: MessageRevokedEvent): Record<string, unknown> {
    return {
      messageId: e.waMessageId,
      from: e.from,
      to: e.to,
      direction: e.direction,
      chatJid: e.chatJid,
      ...chatFields(e),
      timestamp: seconds(e.at),
    };
  }
}
