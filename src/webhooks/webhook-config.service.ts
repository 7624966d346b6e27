import { Injectable } from '@nestjs/common';
import { ActivityService, audited } from '../activity/activity.service';
import { type Actor } from '../auth/actor';
import { AppConfig } from '../config/app-config';
import { checkUrlField } from '../egress/egress-guard';
import { EgressPolicies } from '../egress/egress-policies';
import type { WebhookEventName } from '../outbox/event-names';
import { WebhookSettings, type GlobalWebhookSetting } from '../outbox/webhook-settings';
import { WebhookTargets } from '../outbox/webhook-targets';
import type { UpdateWebhookConfigDto } from './dto/webhook-config.dto';
import { fingerprintOf, WebhookSecrets, type SecretInfo } from './webhook-secrets';

export interface WebhookConfigView {
  url: string | null;
  events: readonly WebhookEventName[];
  timeout: number;
  maxRetries: number;
  retryDelay: number;
  secret: SecretInfo;
  /** Fixed at start from the environment. */
  concurrency: number;
  retentionDays: number;
}

const EDITABLE = ['url', 'events', 'timeout', 'maxRetries', 'retryDelay'] as const;

/** The global webhook config as people see and change it (audited; secrets shown only once). */
@Injectable()
export class WebhookConfigService {
  constructor(
    private readonly settings: WebhookSettings,
    private readonly secrets: WebhookSecrets,
    private readonly targets: WebhookTargets,
    private readonly activity: ActivityService,
    private readonly env: AppConfig,
    private readonly egress: EgressPolicies,
  ) {}

  async view(): Promise<WebhookConfigView> {
    this.settings.invalidate(); // people want what is stored now, not a cached copy
    const config = await this.settings.config();
    return {
      ...config,
      secret: await this.secrets.describeGlobal(),
      concurrency: this.env.WEBHOOK_CONCURRENCY,
      retentionDays: this.env.WEBHOOK_RETENTION_DAYS,
    };
  }

  /** Applies the given fields; with rotateSecret or secret the answer carries `newSecret` once. */
  async update(
    dto: UpdateWebhookConfigDto,
    actor: Actor,
  ): Promise<WebhookConfigView & { newSecret?: string }> {
    if (dto.url) await checkUrlField(dto.url, this.egress.webhooks, 'url');
    const changed = EDITABLE.filter((key) => dto[key] !== undefined);
    if (changed.length > 0) {
      await this.settings.mutate((current) => {
        const next: GlobalWebhookSetting = { ...current };
        for (const key of changed) Object.assign(next, { [key]: dto[key] });
        return next;
      });
      this.targets.invalidate();
      await this.activity.record({
        ...audited(actor),
        action: 'webhook.config_updated',
        targetType: 'webhook',
        targetId: 'global',
        metadata: Object.fromEntries(changed.map((key) => [key, dto[key]])),
      });
    }
    let newSecret: string | undefined;
    if (dto.secret !== undefined || dto.rotateSecret) {
      newSecret = await this.secrets.rotateGlobal(dto.secret);
      await this.activity.record({
        ...audited(actor),
        action: 'webhook.secret_rotated',
        targetType: 'webhook',
        targetId: 'global',
        metadata: { chosen: dto.secret !== undefined },
      });
    }
    return { ...(await this.view()), ...(newSecret ? { newSecret } : {}) };
  }

  /** A session's own signing secret (used when the session has its own URL), shown once. */
  async rotateSessionSecret(
    sessionId: string,
    secret: string | undefined,
    actor: Actor,
  ): Promise<{ sessionId: string; newSecret: string; fingerprint: string }> {
    const newSecret = await this.secrets.rotateSession(sessionId, secret);
    await this.activity.record({
      ...audited(actor),
      action: 'webhook.secret_rotated',
      targetType: 'session',
      targetId: sessionId,
      metadata: { chosen: secret !== undefined },
    });
    return { sessionId, newSecret, fingerprint: fingerprintOf(newSecret) };
  }

  /** A session's own signing secret, as its fingerprint only. */
  sessionSecret(sessionId: string): Promise<{ sessionId: string; fingerprint: string }> {
    return this.secrets.describeSession(sessionId);
  }
}
