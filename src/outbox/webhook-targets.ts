import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { DEFAULT_EVENTS, type WebhookEventName } from './event-names';
import { RefreshingCache } from './refreshing-cache';
import { SessionWebhooks } from './session-webhooks';
import { WebhookSettings } from './webhook-settings';

/** Where events go: a URL, the events it wants, and whose secret signs them. */
export interface WebhookTarget {
  url: string;
  events: readonly WebhookEventName[];
  /** 'session': the session's own URL (signed with its own secret); 'global': the global config. */
  kind: 'session' | 'global';
}

const CACHE_MS = 5_000;

/**
 * Resolves the webhook target of a session: its own URL and event filter when set (seed 2),
 * otherwise the global config. Cached for a few seconds so the hot path does not query per event;
 * changes made through this process are seen at once (invalidate), others within the cache time.
 */
@Injectable()
export class WebhookTargets {
  private readonly sessions = new RefreshingCache<string, WebhookTarget | null>(CACHE_MS);

  constructor(
    private readonly sessionWebhooks: SessionWebhooks,
    private readonly settings: WebhookSettings,
  ) {}

  invalidate(sessionId?: string): void {
    if (sessionId) this.sessions.delete(sessionId);
    else {
      this.settings.invalidate();
      this.sessions.clear();
    }
  }

  /**
   * `client` is the caller's transaction when there is one: a lookup must never wait for a second
   * pool connection while the caller's transaction holds one (many transactions at once would
   * starve the pool).
   */
  async forSession(
    sessionId: string | null,
    client?: Prisma.TransactionClient,
  ): Promise<WebhookTarget | null> {
    if (sessionId) {
      const own = await this.sessionTarget(sessionId, client);
      if (own) return own;
    }
    return this.globalTarget(client);
  }

  async globalTarget(client?: Prisma.TransactionClient): Promise<WebhookTarget | null> {
    const config = await this.settings.config(client);
    return config.url ? { url: config.url, events: config.events, kind: 'global' } : null;
  }

  /** The session's own override, or null when it uses the global webhook. */
  async sessionTarget(sessionId: string, client?: Prisma.TransactionClient): Promise<WebhookTarget | null> {
    return this.sessions.get(
      sessionId,
      () => this.readSession(sessionId, client),
      () => this.readSession(sessionId),
    );
  }

  private async readSession(
    sessionId: string,
    client?: Prisma.TransactionClient,
  ): Promise<WebhookTarget | null> {
    const own = await this.sessionWebhooks.find(sessionId, client);
    return own?.url
      ? { url: own.url, events: own.events.length ? own.events : DEFAULT_EVENTS, kind: 'session' }
      : null;
  }
}
