import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { RefreshingCache } from './refreshing-cache';
import { DEFAULT_EVENTS, type WebhookEventName } from './event-names';

/** The global webhook config is stored in settings under this key (env values are the defaults). */
export const WEBHOOK_SETTING_KEY = 'webhook';

/** What the settings row holds; a missing field falls back to the environment. */
export interface GlobalWebhookSetting {
  /** null turns the global webhook off even when WEBHOOK_URL is set. */
  url?: string | null;
  events?: WebhookEventName[];
  timeout?: number;
  maxRetries?: number;
  retryDelay?: number;
  /** Sealed with SecretBox ('webhook-secret'). */
  secret?: string;
}

/** The effective global config: stored values over environment defaults. */
export interface WebhookConfig {
  url: string | null;
  /** Events sent to the global URL (all when the stored list is empty). */
  events: readonly WebhookEventName[];
  timeout: number;
  maxRetries: number;
  retryDelay: number;
}

const CACHE_MS = 5_000;

/**
 * A webhook URL as a reader who may not see credentials gets it: its origin, the rest masked. URLs
 * often carry a credential (a token in the path or query, a user and password).
 */
export function maskedWebhookUrl(url: string | null): string | null {
  if (!url) return url;
  try {
    const parsed = new URL(url);
    const hidden = parsed.username || parsed.password || parsed.pathname !== '/' || parsed.search;
    return `${parsed.origin}${hidden ? '/***' : '/'}`;
  } catch {
    return '***';
  }
}

/**
 * Reads and changes the global webhook config (the owner of its settings row). Reads are cached for
 * a few seconds (the dispatcher asks on every claim); a change made by this process is seen at once,
 * by others within about the cache time.
 */
@Injectable()
export class WebhookSettings {
  private readonly cache = new RefreshingCache<'global', GlobalWebhookSetting>(CACHE_MS);

  constructor(
    private readonly prisma: PrismaService,
    private readonly env: AppConfig,
  ) {}

  invalidate(): void {
    this.cache.clear();
  }

  /** `client`: the caller's transaction, if any (see WebhookTargets.forSession). */
  async stored(client?: Prisma.TransactionClient): Promise<GlobalWebhookSetting> {
    return this.cache.get(
      'global',
      () => this.read(client ?? this.prisma),
      () => this.read(this.prisma),
    );
  }

  async config(client?: Prisma.TransactionClient): Promise<WebhookConfig> {
    return this.effective(await this.stored(client));
  }

  effective(stored: GlobalWebhookSetting): WebhookConfig {
    return {
      url: stored.url === undefined ? (this.env.WEBHOOK_URL ?? null) : stored.url,
      events: stored.events?.length ? stored.events : DEFAULT_EVENTS,
      timeout: stored.timeout ?? this.env.WEBHOOK_TIMEOUT,
      maxRetries: stored.maxRetries ?? this.env.WEBHOOK_MAX_RETRIES,
      retryDelay: stored.retryDelay ?? this.env.WEBHOOK_RETRY_DELAY,
    };
  }

  /**
   * Read-modify-write of the stored setting under a row lock, so two concurrent changes (two
   * admins, two processes generating a secret) cannot overwrite each other. `change` returns the
   * new value, or null to leave it as it is.
   */
  async mutate(
    change: (current: GlobalWebhookSetting) => GlobalWebhookSetting | null,
  ): Promise<GlobalWebhookSetting> {
    // READ COMMITTED: the read after the lock sees what another process committed before it, not
    // the snapshot this transaction's first read took.
    const value = await this.prisma.$transaction(
      async (tx) => {
        await tx.setting.upsert({
          where: { key: WEBHOOK_SETTING_KEY },
          create: { key: WEBHOOK_SETTING_KEY, value: {} },
          update: {},
        });
        await tx.$queryRaw`SELECT \`key\` FROM settings WHERE \`key\` = ${WEBHOOK_SETTING_KEY} FOR UPDATE`;
        const row = await tx.setting.findUniqueOrThrow({ where: { key: WEBHOOK_SETTING_KEY } });
        const current = isObject(row.value) ? (row.value as GlobalWebhookSetting) : {};
        const next = change(current);
        if (!next) return current;
        await tx.setting.update({
          where: { key: WEBHOOK_SETTING_KEY },
          data: { value: next as Prisma.InputJsonObject },
        });
        return next;
      },
      { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted },
    );
    this.cache.set('global', value);
    return value;
  }

  /** Re-encrypts the stored global secret inside the caller's transaction (a key rotation); returns 0 or 1. */
  async resealSecret(tx: Prisma.TransactionClient, reseal: (sealed: string) => string): Promise<number> {
    const current = await this.read(tx);
    if (!current.secret) return 0;
    const next = { ...current, secret: reseal(current.secret) };
    await tx.setting.update({
      where: { key: WEBHOOK_SETTING_KEY },
      data: { value: next as Prisma.InputJsonObject },
    });
    this.cache.clear();
    return 1;
  }

  private async read(client: Prisma.TransactionClient): Promise<GlobalWebhookSetting> {
    const row = await client.setting.findUnique({ where: { key: WEBHOOK_SETTING_KEY } });
    return isObject(row?.value) ? (row.value as GlobalWebhookSetting) : {};
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
