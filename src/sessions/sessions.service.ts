import { Injectable } from '@nestjs/common';
import { toDataURL } from 'qrcode';
import { ActivityService, audited } from '../activity/activity.service';
import { userIdOf, type Actor } from '../auth/actor';
import { SessionTokensService } from '../auth/session-tokens.service';
import { DomainError, isDomainError, validationFailed } from '../common/errors';
import { InvalidPhoneNumberError, toE164 } from '../common/phone';
import { AppConfig } from '../config/app-config';
import { checkUrlField } from '../egress/egress-guard';
import { EgressPolicies } from '../egress/egress-policies';
import { maskedProxyUrl, type ProxyUrl } from '../egress/proxy-url';
import { SessionWebhooks } from '../outbox/session-webhooks';
import { WebhookTargets } from '../outbox/webhook-targets';
import { Database } from '../prisma/database';
import { SessionProxies } from '../whatsapp/session-proxies';
import { SessionRepository, type SessionRecord } from '../whatsapp/session.repository';
import { LiveSessionPort, WhatsAppPort, type PairingCode } from '../whatsapp/whatsapp.port';
import type { UpdateSessionDto } from './dto/chat-state.dto';
import type { CreateSessionDto, UpdateSessionWebhookDto } from './dto/create-session.dto';
import { toSessionView, type SessionView } from './session-view';

const slugOf = (name: string): string =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48) || 'session';

/** How long a logout asked of a process that does not hold the session waits for its holder. */
const LOGOUT_WAIT_MS = 15_000;

/** The QR a session shows as stored by the process holding it (readable from any process). */
const storedQr = (row: SessionRecord): string | null => (row.status === 'qr_pending' ? row.qr : null);

/** Session CRUD and lifecycle; the sockets themselves belong to WhatsApp (the WhatsAppPort). */
@Injectable()
export class SessionsService {
  private creating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sessions: SessionRepository,
    private readonly webhooks: SessionWebhooks,
    private readonly webhookTargets: WebhookTargets,
    private readonly whatsapp: WhatsAppPort,
    private readonly tokens: SessionTokensService,
    private readonly activity: ActivityService,
    private readonly database: Database,
    private readonly config: AppConfig,
    private readonly egress: EgressPolicies,
    private readonly proxies: SessionProxies,
    private readonly live: LiveSessionPort,
  ) {}

  /** Creates the session and its first API token, and starts connecting (a QR follows). */
  async create(dto: CreateSessionDto, actor: Actor): Promise<{ session: SessionView; token: string }> {
    if (dto.webhookUrl) await checkUrlField(dto.webhookUrl, this.egress.webhooks, 'webhookUrl');
    const proxy = typeof dto.proxy === 'string' ? await this.checkedProxy(dto.proxy) : null;
    const id = dto.id ?? (await this.freeIdFor(dto.name));
    // Creates are serialised in this process so that the MAX_SESSIONS count cannot be raced here.
    const insert = this.creating.then(() => this.insertSession(id, dto, proxy, actor));
    this.creating = insert.catch(() => undefined);
    const token = await insert;
    await this.connect(await this.require(id), null);
    return { session: await this.get(id), token };
  }

  private insertSession(
    id: string,
    dto: CreateSessionDto,
    proxy: ProxyUrl | null,
    actor: Actor,
  ): Promise<string> {
    return this.database.transaction(async (tx) => {
      if ((await this.sessions.count(tx)) >= this.config.MAX_SESSIONS) {
        throw new DomainError(
          'SESSION_LIMIT',
          `MAX_SESSIONS (${this.config.MAX_SESSIONS}) reached: delete a session or raise the limit`,
        );
      }
      if (await this.sessions.exists(id, tx)) {
        throw new DomainError('SESSION_EXISTS', `Session ${id} already exists`);
      }
      const createdById = userIdOf(actor);
      await this.sessions.createHeld({ id, name: dto.name, createdById }, tx);
      if (proxy) await this.proxies.set(id, proxy, tx);
      if (dto.webhookUrl !== undefined || dto.webhookEvents !== undefined)
        await this.webhooks.setTarget(id, { url: dto.webhookUrl, events: dto.webhookEvents }, tx);
      const issued = await this.tokens.issue(id, { name: 'default', createdById }, tx);
      await this.activity.record(
        {
          ...audited(actor),
          action: 'session.created',
          targetType: 'session',
          targetId: id,
          metadata: { name: dto.name, ...(proxy ? { proxy: maskedProxyUrl(proxy) } : {}) },
        },
        tx,
      );
      return issued.token;
    });
  }

  async list(): Promise<SessionView[]> {
    const rows = await this.sessions.list();
    const webhooks = await this.webhooks.findMany(rows.map((row) => row.id));
    return rows.map((row) => this.view(row, webhooks.get(row.id) ?? null));
  }

  async get(id: string): Promise<SessionView> {
    const row = await this.require(id);
    return this.view(row, await this.webhooks.find(id));
  }

  /** The session, or 404 SESSION_NOT_FOUND. */
  async require(id: string): Promise<SessionRecord> {
    const row = await this.sessions.find(id);
    if (!row) throw new DomainError('SESSION_NOT_FOUND', 'Session not found');
    return row;
  }

  /** Opens the socket here when no other process holds the session. `actor` null: the gateway itself. */
  async connect(session: SessionRecord, actor: Actor | null): Promise<SessionView> {
    try {
      await this.whatsapp.connect(session.id);
    } catch (error) {
      if (!isDomainError(error, 'SESSION_HELD_ELSEWHERE')) throw error;
      // Its holder runs it; should it let go, whichever process claims it first opens it.
      await this.sessions.setWanted(session.id);
    }
    if (actor) await this.audit('session.connect_requested', session.id, actor);
    return this.get(session.id);
  }

  /** A code to type on the phone (Linked devices > Link with phone number instead) instead of a QR scan. */
  async pairingCode(session: SessionRecord, phoneNumber: string, actor: Actor): Promise<PairingCode> {
    let e164: string;
    try {
      e164 = toE164(phoneNumber);
    } catch (error) {
      if (!(error instanceof InvalidPhoneNumberError)) throw error;
      throw validationFailed([
        { field: 'phoneNumber', errors: ['phoneNumber must be a phone number with its country code'] },
      ]);
    }
    // Asked of whichever process holds the session (it shows the QR the code stands in for).
    const code = await this.live.requestPairingCode(session.id, e164);
    // The code itself is a secret for the next minutes: it is not written to the activity log.
    await this.audit('session.pairing_code_requested', session.id, actor, { phoneNumber: e164 });
    return code;
  }

  async disconnect(session: SessionRecord, actor: Actor): Promise<SessionView> {
    await this.whatsapp.disconnect(session.id, 'disconnected by request');
    await this.audit('session.disconnect_requested', session.id, actor);
    return this.get(session.id);
  }

  async logout(session: SessionRecord, actor: Actor): Promise<SessionView> {
    if (this.heldElsewhere(session)) await this.logoutByHolder(session.id);
    else await this.whatsapp.logout(session.id);
    await this.audit('session.logout_requested', session.id, actor);
    return this.get(session.id);
  }

  /** Logs the device out when linked, then removes the session with its keys, tokens and messages. */
  async remove(session: SessionRecord, actor: Actor): Promise<void> {
    if (this.heldElsewhere(session)) await this.logoutByHolder(session.id);
    else if (this.whatsapp.isHeld(session.id)) await this.whatsapp.logout(session.id);
    await this.sessions.delete(session.id);
    this.webhookTargets.invalidate(session.id);
    await this.audit('session.deleted', session.id, actor);
  }

  async qr(session: SessionRecord): Promise<{ qr: string; qrCode: string }> {
    const qr = this.whatsapp.qrOf(session.id) ?? storedQr(session);
    if (!qr) throw new DomainError('NO_QR', 'No QR code: the session is not waiting for a scan');
    return { qr, qrCode: await toDataURL(qr, { margin: 1, width: 320 }) };
  }

  async updateWebhook(
    session: SessionRecord,
    dto: UpdateSessionWebhookDto,
    actor: Actor,
  ): Promise<SessionView> {
    if (dto.webhookUrl) await checkUrlField(dto.webhookUrl, this.egress.webhooks, 'webhookUrl');
    await this.webhooks.setTarget(session.id, { url: dto.webhookUrl, events: dto.webhookEvents });
    this.webhookTargets.invalidate(session.id);
    await this.audit('webhook.session_config_updated', session.id, actor, {
      webhookUrl: dto.webhookUrl ?? null,
      webhookEvents: dto.webhookEvents ?? null,
    });
    return this.get(session.id);
  }

  /** Changes the session's settings (only what the body names). */
  async update(session: SessionRecord, dto: UpdateSessionDto, actor: Actor): Promise<SessionView> {
    // Checked before anything changes: a refused proxy leaves the other settings as they were too.
    const proxy = typeof dto.proxy === 'string' ? await this.checkedProxy(dto.proxy) : null;
    if (dto.autoRead !== undefined && dto.autoRead !== session.autoRead) {
      await this.sessions.setAutoRead(session.id, dto.autoRead);
      await this.audit('session.updated', session.id, actor, { autoRead: dto.autoRead });
    }
    if (dto.proxy !== undefined) {
      // A connected socket keeps its way out until its next connect (disconnect and connect to apply now).
      await this.proxies.set(session.id, proxy);
      await this.audit('session.updated', session.id, actor, { proxy: proxy ? maskedProxyUrl(proxy) : null });
    }
    return this.get(session.id);
  }

  /** A proxy URL from a request: parsed (400 on `proxy`) and able to reach WhatsApp (400 PROXY_UNREACHABLE). */
  private async checkedProxy(raw: string): Promise<ProxyUrl> {
    const proxy = this.proxies.parse(raw);
    await this.proxies.check(proxy);
    return proxy;
  }

  async recordTokenActivity(action: string, sessionId: string, tokenId: number, actor: Actor): Promise<void> {
    await this.audit(action, sessionId, actor, { tokenId });
  }

  private audit(action: string, sessionId: string, actor: Actor, metadata?: Record<string, unknown>) {
    return this.activity.record({
      ...audited(actor),
      action,
      targetType: 'session',
      targetId: sessionId,
      metadata,
    });
  }

  private view(row: SessionRecord, webhook: Parameters<typeof toSessionView>[2]): SessionView {
    return toSessionView(
      row,
      { status: this.whatsapp.statusOf(row.id), qr: this.whatsapp.qrOf(row.id) ?? storedQr(row) },
      webhook,
      this.proxies.masked(row.proxyUrl),
    );
  }

  /** Another live process holds the session's socket. */
  private heldElsewhere(row: SessionRecord): boolean {
    return (
      !this.whatsapp.isHeld(row.id) &&
      row.leaseOwner !== null &&
      row.leaseExpiresAt !== null &&
      row.leaseExpiresAt > new Date()
    );
  }

  /**
   * A logout asked of a process that does not hold the session: written on the row for the holder
   * (it applies it within a supervision pass), then waited for up to LOGOUT_WAIT_MS.
   */
  private async logoutByHolder(sessionId: string): Promise<void> {
    await this.sessions.requestLogout(sessionId);
    const until = Date.now() + LOGOUT_WAIT_MS;
    while (Date.now() < until) {
      const row = await this.sessions.find(sessionId);
      if (!row || row.status === 'logged_out') return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async freeIdFor(name: string): Promise<string> {
    const base = slugOf(name);
    for (let i = 1; ; i++) {
      const candidate = i === 1 ? base : `${base}-${i}`;
      if (!(await this.sessions.exists(candidate))) return candidate;
    }
  }
}
