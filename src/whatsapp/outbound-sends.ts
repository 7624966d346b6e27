import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { MediaStore, type StoredMedia } from '../media/media-store';
import { OutboundQueue, type OutboundRow } from '../messages/outbound-queue';
import { generateMessageIDV2, isJidGroup } from './baileys';
import { ConnectionRegistry } from './connection-registry';
import { groupErrorOf } from './group-errors';
import { GroupMetadataStore } from './group-metadata-store';
import { fingerprintOf, toQueued } from './outbound-content';
import { OutboundDispatcher } from './outbound-dispatcher';
import { OutboundMessages } from './outbound-messages';
import { SessionRepository, type SessionRecord } from './session.repository';
import {
  SendQueuePort,
  type OutboundContent,
  type QueuedSendView,
  type SendRequestOptions,
} from './whatsapp.port';

/** The longest a `?wait=true` request waits for WhatsApp to take its message. */
export const WAIT_LIMIT_MS = 15_000;
/** How often a waiting request reads its row when the send is made by another process. */
const WAIT_POLL_MS = 100;

/**
 * Whether a session takes sends now: connected, or linked and on its way back (reconnecting, or
 * between holders), so the send goes out once it is back. A session never linked, logged out or
 * disconnected on request refuses them.
 */
export function acceptsSends(row: SessionRecord): boolean {
  if (row.status === 'connected') return true;
  return (
    row.shouldConnect && row.jid !== null && (row.status === 'connecting' || row.status === 'disconnected')
  );
}

/** A row as the API answers it. */
export function viewOf(row: OutboundRow): QueuedSendView {
  const at = row.sentAt ?? row.createdAt;
  return {
    messageId: row.waMessageId,
    to: row.toJid,
    status: row.status,
    timestamp: String(Math.floor(at.getTime() / 1000)),
    ...(row.status === 'failed' && row.lastError ? { error: row.lastError } : {}),
  };
}

/**
 * Accepts sends for the durable outbound queue on any process: checks the session and what the send
 * refers to, fixes the WhatsApp id, keeps the media in the media store, and writes the row (the
 * Idempotency-Key's unique index answers a retry, on any process, with the first send). The holder
 * of the session sends it (OutboundDispatcher): woken at once when it is this process.
 */
@Injectable()
export class OutboundSends extends SendQueuePort {
  constructor(
    private readonly config: AppConfig,
    private readonly sessions: SessionRepository,
    private readonly queue: OutboundQueue,
    private readonly outbound: OutboundMessages,
    private readonly media: MediaStore,
    private readonly registry: ConnectionRegistry,
    private readonly dispatcher: OutboundDispatcher,
    private readonly groups: GroupMetadataStore,
  ) {
    super();
  }

  async requireSendable(sessionId: string): Promise<void> {
    await this.sendable(sessionId);
  }

  async enqueue(
    sessionId: string,
    jid: string,
    content: OutboundContent,
    options: SendRequestOptions,
  ): Promise<QueuedSendView> {
    const session = await this.sendable(sessionId);
    const key = options.idempotencyKey ?? null;
    const fingerprint = fingerprintOf(jid, content, options.quotedMessageId);
    if (key) {
      const existing = await this.queue.byKey(sessionId, key);
      if (existing) return this.answer(this.sameSend(existing, fingerprint), options);
    }
    // MESSAGE_NOT_FOUND for a quoted or reacted-to message that is not stored, before anything is kept.
    await this.outbound.prepare(sessionId, content, { quotedMessageId: options.quotedMessageId });
    if (isJidGroup(jid)) await this.checkGroup(sessionId, jid);
    const stored = await this.keepMedia(sessionId, content);
    const { row, created } = await this.queue
      .insert({
        sessionId,
        waMessageId: generateMessageIDV2(session.jid ?? undefined),
        toJid: jid,
        content: toQueued(content, options.quotedMessageId, stored) as object,
        idempotencyKey: key,
        fingerprint,
        expiresAt: new Date(Date.now() + this.config.OUTBOUND_TTL_SECONDS * 1000),
      })
      .catch(async (error: unknown) => {
        await this.media.remove(stored?.path ?? null).catch(() => undefined);
        throw error;
      });
    if (!created) {
      // Another request with this key (on any process) was first: its send is the one.
      await this.media.remove(stored?.path ?? null).catch(() => undefined);
      return this.answer(this.sameSend(row, fingerprint), options);
    }
    this.dispatcher.wake(sessionId);
    return this.answer(row, options);
  }

  private async sendable(sessionId: string): Promise<SessionRecord> {
    const row = await this.sessions.find(sessionId);
    if (!row) throw new DomainError('SESSION_NOT_FOUND', 'Session not found');
    if (this.registry.statusOf(sessionId) === 'connected' || acceptsSends(row)) return row;
    throw new DomainError('SESSION_NOT_CONNECTED', `Session ${sessionId} is not connected`);
  }

  /**
   * A group the account is not in (or that does not exist) is refused at once (403 NOT_A_PARTICIPANT,
   * 404 GROUP_NOT_FOUND), as a direct send always was: by the holder of the session, from the kept
   * metadata or one query (kept, so the send itself does not ask again). Another process accepts
   * it; should WhatsApp refuse it, the send fails with that reason.
   */
  private async checkGroup(sessionId: string, jid: string): Promise<void> {
    if (this.registry.statusOf(sessionId) !== 'connected') return;
    if (await this.groups.get(sessionId, jid)) return;
    const socket = this.registry.connectedSocket(sessionId);
    const metadata = await socket.groupMetadata(jid).catch((error: unknown) => {
      throw groupErrorOf(error, jid);
    });
    await this.groups.put(sessionId, metadata);
  }

  private sameSend(row: OutboundRow, fingerprint: string): OutboundRow {
    if (row.fingerprint === fingerprint) return row;
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used for a different send of this session (another recipient or content)',
      [{ field: 'Idempotency-Key', errors: ['already used for a different request'] }],
    );
  }

  private async keepMedia(sessionId: string, content: OutboundContent): Promise<StoredMedia | undefined> {
    if (!('media' in content)) return undefined;
    return (
      content.media.stored ?? this.media.saveOutbound(sessionId, content.media.mimetype, content.media.data)
    );
  }

  /** The row now, or with `wait` once it is settled (sent or failed) or WAIT_LIMIT_MS passed. */
  private async answer(row: OutboundRow, options: SendRequestOptions): Promise<QueuedSendView> {
    if (!options.wait || row.status === 'sent' || row.status === 'failed') return viewOf(row);
    const until = Date.now() + WAIT_LIMIT_MS;
    let current = row;
    while (Date.now() < until) {
      await this.settledOrPoll(row, until);
      current = (await this.queue.find(row.sessionId, row.waMessageId)) ?? current;
      if (current.status === 'sent' || current.status === 'failed') break;
    }
    return viewOf(current);
  }

  /** Resolves when this process settles the send, or after WAIT_POLL_MS (another process may have). */
  private settledOrPoll(row: OutboundRow, until: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(WAIT_POLL_MS, until - Date.now())));
      const off = this.dispatcher.onSettled((sessionId, id) => {
        if (sessionId === row.sessionId && id === row.waMessageId) done();
      });
    });
  }
}
