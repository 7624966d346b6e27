import { Injectable } from '@nestjs/common';
import { toDataURL } from 'qrcode';
import type { Actor } from '../auth/actor';
import { MessageQueries } from '../messages/message-queries.service';
import { WebhookDeliveries } from '../outbox/webhook-deliveries';
import { SessionsService } from '../sessions/sessions.service';
import type { SessionRecord } from '../whatsapp/session.repository';
import { WhatsAppPort } from '../whatsapp/whatsapp.port';
import { toCompatAccount, toCompatMessage, type CompatAccount, type CompatMessage } from './compat-mappers';
import type { CreateAccountDto } from './dto/compat.dto';

/** How long POST /api/accounts waits for the first QR, so its answer can carry it as the seed's did. */
const QR_WAIT_MS = 5_000;

/** The first seed's accounts API, mapped onto sessions and messages. */
@Injectable()
export class CompatAccounts {
  constructor(
    private readonly sessions: SessionsService,
    private readonly whatsapp: WhatsAppPort,
    private readonly messages: MessageQueries,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  async create(dto: CreateAccountDto, actor: Actor) {
    const { session, token } = await this.sessions.create({ id: dto.id, name: dto.name }, actor);
    const qr = await this.waitForQr(session.id);
    const now = await this.sessions.get(session.id);
    return {
      account: {
        id: now.id,
        name: now.name,
        status: toCompatAccount(now, null).status,
        created_at: now.createdAt,
      },
      qrCode: qr ? await toDataURL(qr, { margin: 1, width: 320 }) : null,
      // Not in the seed: the session's API token, shown only here.
      token,
    };
  }

  async list(): Promise<CompatAccount[]> {
    return (await this.sessions.list()).map((s) => toCompatAccount(s, this.whatsapp.statusOf(s.id)));
  }

  async get(id: string): Promise<CompatAccount> {
    return toCompatAccount(await this.sessions.get(id), this.whatsapp.statusOf(id));
  }

  async connect(session: SessionRecord, actor: Actor): Promise<CompatAccount> {
    await this.sessions.connect(session, actor);
    return this.get(session.id);
  }

  async disconnect(session: SessionRecord, actor: Actor): Promise<CompatAccount> {
    await this.sessions.disconnect(session, actor);
    return this.get(session.id);
  }

  async remove(session: SessionRecord, actor: Actor): Promise<void> {
    await this.sessions.remove(session, actor);
  }

  async qr(session: SessionRecord): Promise<{ qrCode: string }> {
    const { qrCode } = await this.sessions.qr(session);
    return { qrCode };
  }

  async messagesOf(
    { id }: SessionRecord,
    page: { limit: number; offset: number },
  ): Promise<{ messages: CompatMessage[]; pagination: { limit: number; offset: number; count: number } }> {
    const { messages } = await this.messages.list(id, {}, page);
    const sent = await this.deliveries.deliveredMessageIds(
      id,
      messages.map((m) => m.messageId),
    );
    return {
      messages: messages.map((m) => toCompatMessage(m, sent.has(m.messageId))),
      pagination: { limit: page.limit, offset: page.offset, count: messages.length },
    };
  }

  private async waitForQr(id: string): Promise<string | null> {
    const until = Date.now() + QR_WAIT_MS;
    for (;;) {
      const qr = this.whatsapp.qrOf(id);
      const status = this.whatsapp.statusOf(id);
      if (qr || status === null || status === 'connected' || Date.now() > until) return qr;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
