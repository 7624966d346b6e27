import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { WEBHOOK_EVENTS, type WebhookEventName } from './webhook-events';

/** Where events go: a URL and the events it wants. */
export interface WebhookTarget {
  url: string;
  events: readonly WebhookEventName[];
}

/** The global webhook config stored in settings under this key (env values are the defaults). */
export const WEBHOOK_SETTING_KEY = 'webhook';

export interface GlobalWebhookSetting {
  url?: string | null;
  events?: WebhookEventName[];
  timeout?: number;
  maxRetries?: number;
  retryDelay?: number;
  /** Sealed with SecretBox ('webhook-secret'). */
  secret?: string;
}

const CACHE_MS = 5_000;

/**
 * Resolves the webhook target of a session: its own URL and event filter when set (seed 2),
 * otherwise the global config. Cached for a few seconds so the hot path does not query per event;
 * changes made through this process are seen at once (invalidate), others within the cache time.
 */
@Injectable()
export class WebhookTargets {
  private global: { value: WebhookTarget | null; at: number } | null = null;
  private readonly sessions = new Map<string, { value: WebhookTarget | null; at: number }>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  invalidate(sessionId?: string): void {
    if (sessionId) this.sessions.delete(sessionId);
    else {
      this.global = null;
      this.sessions.clear();
    }
  }

  async forSession(sessionId: string | null): Promise<WebhookTarget | null> {
    if (sessionId) {
      const own = await this.sessionTarget(sessionId);
      if (own) return own;
    }
    return this.globalTarget();
  }

  async globalTarget(): Promise<WebhookTarget | null> {
    if (this.global && Date.now() - this.global.at < CACHE_MS) return this.global.value;
    const row = await this.prisma.setting.findUnique({ where: { key: WEBHOOK_SETTING_KEY } });
    const stored = (row?.value ?? {}) as GlobalWebhookSetting;
    const url = stored.url === undefined ? this.config.WEBHOOK_URL : stored.url;
    const value = url ? { url, events: stored.events?.length ? stored.events : WEBHOOK_EVENTS } : null;
    this.global = { value, at: Date.now() };
    return value;
  }

  private async sessionTarget(sessionId: string): Promise<WebhookTarget | null> {
    const cached = this.sessions.get(sessionId);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
    const row = await this.prisma.whatsappSession.findUnique({
      where: { id: sessionId },
      select: { webhookUrl: true, webhookEvents: true },
    });
    const events = Array.isArray(row?.webhookEvents) ? (row.webhookEvents as WebhookEventName[]) : [];
    const value = row?.webhookUrl ? { url: row.webhookUrl, events: events.length ? events : WEBHOOK_EVENTS } : null;
    this.sessions.set(sessionId, { value, at: Date.now() });
    return value;
  }
}
