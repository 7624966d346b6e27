import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SealedData } from '../crypto/sealed-data';
import { SecretBox } from '../crypto/secret-box';
import { RefreshingCache } from '../outbox/refreshing-cache';
import { SessionWebhooks } from '../outbox/session-webhooks';
import { WebhookSettings } from '../outbox/webhook-settings';
import { WebhookTargets } from '../outbox/webhook-targets';

const PURPOSE = 'webhook-secret';
const CACHE_MS = 5_000;

/** X-Signature (the seed's): HMAC-SHA256 of the exact body bytes, hex. */
export const signBody = (secret: string, body: string): string =>
  createHmac('sha256', secret).update(body).digest('hex');

/**
 * The signing headers of one attempt: the seed's X-Signature over the body, and
 * X-Webhook-Signature `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, which also signs
 * the time it was sent, so a receiver can refuse a replayed request (docs/webhooks.md).
 */
export function signatureHeaders(secret: string, body: string, now = new Date()): Record<string, string> {
  const t = String(Math.floor(now.getTime() / 1000));
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return {
    'x-timestamp': t,
    'x-signature': signBody(secret, body),
    'x-webhook-signature': `t=${t},v1=${v1}`,
  };
}

/** First 12 hex digits of SHA-256(secret): tells two secrets apart without revealing either. */
export const fingerprintOf = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex').slice(0, 12);

/** A fresh signing secret (192 bits). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64url')}`;

/** How the global secret is known, for GET config (never the secret itself). */
export interface SecretInfo {
  source: 'stored' | 'environment' | 'none';
  /** First 12 hex digits of SHA-256(secret): tells two secrets apart without revealing either. */
  fingerprint: string | null;
}

/**
 * The signing secrets: one global (settings, else WEBHOOK_SECRET) and one per session that has its
 * own webhook URL. Stored encrypted; generated on first use when there is none, so every delivery
 * is signed. Decrypted values are cached for a few seconds.
 */
@Injectable()
export class WebhookSecrets {
  private readonly cache = new RefreshingCache<string, string>(CACHE_MS);

  constructor(
    private readonly sessionWebhooks: SessionWebhooks,
    private readonly settings: WebhookSettings,
    private readonly targets: WebhookTargets,
    private readonly box: SecretBox,
    private readonly env: AppConfig,
    sealed: SealedData,
  ) {
    // The owners keep the sealed values; a key rotation re-encrypts them through here.
    sealed.register({
      name: 'webhook secrets',
      resealAll: async (tx, reseal) => {
        const again = (value: string) => reseal(Buffer.from(value, 'base64'), PURPOSE).toString('base64');
        return (
          (await this.sessionWebhooks.resealSecrets(tx, again)) +
          (await this.settings.resealSecret(tx, again))
        );
      },
      sample: async () => {
        const sealed = (await this.settings.stored()).secret;
        return sealed ? { sealed: Buffer.from(sealed, 'base64'), purpose: PURPOSE } : null;
      },
    });
  }

  invalidate(sessionId?: string): void {
    if (sessionId) this.cache.delete(`s:${sessionId}`);
    else this.cache.clear();
  }

  /** The secret that signs a row: the session's own when the row goes to the session's own URL. */
  async forDelivery(sessionId: string | null, targetUrl: string): Promise<string> {
    if (sessionId) {
      const own = await this.targets.sessionTarget(sessionId);
      if (own && own.url === targetUrl) return this.sessionSecret(sessionId);
    }
    return this.globalSecret();
  }

  async globalSecret(): Promise<string> {
    return this.cached('global', async () => {
      const stored = await this.settings.stored();
      if (stored.secret) return this.open(stored.secret);
      if (this.env.WEBHOOK_SECRET) return this.env.WEBHOOK_SECRET;
      const sealed = this.box.encryptToString(newWebhookSecret(), PURPOSE);
      // Only the first process to get here stores its secret; everyone then reads that one.
      const after = await this.settings.mutate((current) =>
        current.secret ? null : { ...current, secret: sealed },
      );
      return this.open(after.secret ?? sealed);
    });
  }

  async sessionSecret(sessionId: string): Promise<string> {
    return this.cached(`s:${sessionId}`, async () => {
      const stored = (await this.sessionWebhooks.find(sessionId))?.secret;
      if (stored) return this.open(stored);
      // Only the first process to get here stores its secret; everyone then reads that one.
      const sealed = this.box.encryptToString(newWebhookSecret(), PURPOSE);
      return this.open(await this.sessionWebhooks.secretOrSet(sessionId, sealed));
    });
  }

  /** Replaces the global secret (a given one, or a new random one) and returns it. */
  async rotateGlobal(secret: string = newWebhookSecret()): Promise<string> {
    const sealed = this.box.encryptToString(secret, PURPOSE);
    await this.settings.mutate((current) => ({ ...current, secret: sealed }));
    this.cache.delete('global');
    return secret;
  }

  /** Replaces a session's own secret and returns it. */
  async rotateSession(sessionId: string, secret: string = newWebhookSecret()): Promise<string> {
    await this.sessionWebhooks.setSecret(sessionId, this.box.encryptToString(secret, PURPOSE));
    this.cache.delete(`s:${sessionId}`);
    return secret;
  }

  /**
   * The global secret's fingerprint. Without one yet, it is made now (the first delivery would make
   * it anyway), so the fingerprint people see is the one receivers will get.
   */
  async describeGlobal(): Promise<SecretInfo> {
    const stored = await this.settings.stored();
    if (stored.secret) return { source: 'stored', fingerprint: fingerprintOf(this.open(stored.secret)) };
    if (this.env.WEBHOOK_SECRET)
      return { source: 'environment', fingerprint: fingerprintOf(this.env.WEBHOOK_SECRET) };
    this.cache.delete('global');
    return { source: 'stored', fingerprint: fingerprintOf(await this.globalSecret()) };
  }

  /** A session's own secret's fingerprint (made now when the session has none yet). */
  async describeSession(sessionId: string): Promise<{ sessionId: string; fingerprint: string }> {
    return { sessionId, fingerprint: fingerprintOf(await this.sessionSecret(sessionId)) };
  }

  private open(sealed: string): string {
    return this.box.decryptToString(sealed, PURPOSE);
  }

  private cached(key: string, load: () => Promise<string>): Promise<string> {
    return this.cache.get(key, load);
  }
}
