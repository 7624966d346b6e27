import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { toDataURL } from 'qrcode';
import { ActivityService } from '../activity/activity.service';
import type { Principal } from '../auth/principal';
import { SessionTokensService } from '../auth/session-tokens.service';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { WebhookTargets } from '../webhooks/webhook-targets';
import { ConnectionRegistry, SessionHeldElsewhereError } from '../whatsapp/connection-registry';
import { SessionLeases } from '../whatsapp/session-lease.service';
import type { CreateSessionDto, UpdateSessionWebhookDto } from './dto/create-session.dto';
import { toSessionView, type SessionView } from './session-view';

/** Who asked, for the activity log; a null principal is the gateway itself (e.g. the sandbox demo). */
export interface Actor {
  principal: Principal | null;
  ip: string | null;
  userAgent: string | null;
}

const slugOf = (name: string): string =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48) || 'session';

/** Session CRUD and lifecycle; the sockets themselves belong to the ConnectionRegistry. */
@Injectable()
export class SessionsService {
  private creating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly registry: ConnectionRegistry,
    private readonly leases: SessionLeases,
    private readonly tokens: SessionTokensService,
    private readonly activity: ActivityService,
    private readonly webhookTargets: WebhookTargets,
  ) {}

  /** Creates the session and its first API token, and starts connecting (a QR follows). */
  async create(dto: CreateSessionDto, actor: Actor): Promise<{ session: SessionView; token: string }> {
    const id = dto.id ?? (await this.freeIdFor(dto.name));
    const createdById = actor.principal?.kind === 'user' ? actor.principal.userId : null;
    // Creates are serialised in this process so that the MAX_SESSIONS count cannot be raced here.
    const insert = this.creating.then(() => this.insertSession(id, dto, actor, createdById));
    this.creating = insert.catch(() => undefined);
    const token = await insert;
    await this.connect(id, null);
    return { session: await this.get(id), token };
  }

  private insertSession(
    id: string,
    dto: CreateSessionDto,
    actor: Actor,
    createdById: number | null,
  ): Promise<string> {
    return this.prisma.$transaction(async (tx) => {
      if ((await tx.whatsappSession.count()) >= this.config.MAX_SESSIONS) {
        throw new ConflictException({
          message: `MAX_SESSIONS (${this.config.MAX_SESSIONS}) reached: delete a session or raise the limit`,
          code: 'SESSION_LIMIT',
        });
      }
      if (await tx.whatsappSession.findUnique({ where: { id }, select: { id: true } })) {
        throw new ConflictException({ message: `Session ${id} already exists`, code: 'SESSION_EXISTS' });
      }
      await tx.whatsappSession.create({
        data: {
          id,
          name: dto.name,
          webhookUrl: dto.webhookUrl ?? null,
          webhookEvents: dto.webhookEvents ?? undefined,
          shouldConnect: true,
          createdById,
        },
      });
      // Held by this process from the start: another one's supervisor must not open it meanwhile.
      await this.leases.acquire(id, { db: tx });
      const issued = await this.tokens.issue(id, { name: 'default', createdById }, tx);
      await this.activity.record(
        {
          action: 'session.created',
          ...this.actorOf(actor),
          targetType: 'session',
          targetId: id,
          metadata: { name: dto.name },
        },
        tx,
      );
      return issued.token;
    });
  }

  async list(): Promise<SessionView[]> {
    const rows = await this.prisma.whatsappSession.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map((row) => this.view(row));
  }

  async get(id: string): Promise<SessionView> {
    return this.view(await this.row(id));
  }

  /** Opens the socket here when no other process holds the session. */
  async connect(id: string, actor: Actor | null): Promise<SessionView> {
    await this.row(id);
    try {
      await this.registry.start(id);
    } catch (error) {
      if (!(error instanceof SessionHeldElsewhereError)) throw error;
      // Its holder runs it; should it let go, whichever process claims it first opens it.
      await this.prisma.whatsappSession.update({ where: { id }, data: { shouldConnect: true } });
    }
    if (actor)
      await this.activity.record({
        action: 'session.connect_requested',
        ...this.actorOf(actor),
        targetType: 'session',
        targetId: id,
      });
    return this.get(id);
  }

  async disconnect(id: string, actor: Actor): Promise<SessionView> {
    await this.row(id);
    await this.registry.stop(id, 'disconnected by request');
    await this.activity.record({
      action: 'session.disconnect_requested',
      ...this.actorOf(actor),
      targetType: 'session',
      targetId: id,
    });
    return this.get(id);
  }

  async logout(id: string, actor: Actor): Promise<SessionView> {
    await this.requireHereOrFree(id);
    await this.registry.logout(id);
    await this.activity.record({
      action: 'session.logout_requested',
      ...this.actorOf(actor),
      targetType: 'session',
      targetId: id,
    });
    return this.get(id);
  }

  /** Logs the device out when linked, then removes the session with its keys, tokens and messages. */
  async remove(id: string, actor: Actor): Promise<void> {
    await this.requireHereOrFree(id);
    if (this.registry.isHeld(id)) await this.registry.logout(id);
    await this.prisma.whatsappSession.delete({ where: { id } });
    this.webhookTargets.invalidate(id);
    await this.activity.record({
      action: 'session.deleted',
      ...this.actorOf(actor),
      targetType: 'session',
      targetId: id,
    });
  }

  async qr(id: string): Promise<{ qr: string; qrCode: string }> {
    await this.row(id);
    const qr = this.registry.qrOf(id);
    if (!qr)
      throw new NotFoundException({
        message: 'No QR code: the session is not waiting for a scan',
        code: 'NO_QR',
      });
    return { qr, qrCode: await toDataURL(qr, { margin: 1, width: 320 }) };
  }

  async updateWebhook(id: string, dto: UpdateSessionWebhookDto, actor: Actor): Promise<SessionView> {
    await this.row(id);
    await this.prisma.whatsappSession.update({
      where: { id },
      data: {
        ...(dto.webhookUrl !== undefined ? { webhookUrl: dto.webhookUrl } : {}),
        ...(dto.webhookEvents !== undefined ? { webhookEvents: dto.webhookEvents } : {}),
      },
    });
    this.webhookTargets.invalidate(id);
    await this.activity.record({
      action: 'webhook.session_config_updated',
      ...this.actorOf(actor),
      targetType: 'session',
      targetId: id,
      metadata: { webhookUrl: dto.webhookUrl ?? null, webhookEvents: dto.webhookEvents ?? null },
    });
    return this.get(id);
  }

  /** The session row, or 404. */
  async row(id: string) {
    const row = await this.prisma.whatsappSession.findUnique({ where: { id } });
    if (!row) throw new NotFoundException({ message: 'Session not found', code: 'SESSION_NOT_FOUND' });
    return row;
  }

  async recordTokenActivity(action: string, sessionId: string, tokenId: number, actor: Actor): Promise<void> {
    await this.activity.record({
      action,
      ...this.actorOf(actor),
      targetType: 'session',
      targetId: sessionId,
      metadata: { tokenId },
    });
  }

  actorOf(actor: Actor) {
    return { principal: actor.principal, ip: actor.ip, userAgent: actor.userAgent };
  }

  private view(row: Awaited<ReturnType<SessionsService['row']>>): SessionView {
    return toSessionView(row, { status: this.registry.statusOf(row.id), qr: this.registry.qrOf(row.id) });
  }

  private async requireHereOrFree(id: string): Promise<void> {
    const row = await this.row(id);
    const heldElsewhere =
      !this.registry.isHeld(id) &&
      row.leaseOwner !== null &&
      row.leaseExpiresAt !== null &&
      row.leaseExpiresAt > new Date();
    if (heldElsewhere) {
      throw new ConflictException({
        message: `Session ${id} is held by gateway process ${row.leaseOwner}; send this request to that process`,
        code: 'SESSION_HELD_ELSEWHERE',
      });
    }
  }

  private async freeIdFor(name: string): Promise<string> {
    const base = slugOf(name);
    for (let i = 1; ; i++) {
      const candidate = i === 1 ? base : `${base}-${i}`;
      if (!(await this.prisma.whatsappSession.findUnique({ where: { id: candidate }, select: { id: true } })))
        return candidate;
    }
  }
}
