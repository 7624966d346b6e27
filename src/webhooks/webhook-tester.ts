import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { checkUrlField } from '../egress/egress-guard';
import { EgressPolicies } from '../egress/egress-policies';
import { WebhookSettings } from '../outbox/webhook-settings';
import { WebhookTargets } from '../outbox/webhook-targets';
import { WebhookHttp } from './webhook-http';
import { signatureHeaders, WebhookSecrets } from './webhook-secrets';

export const TEST_EVENT = 'webhook.test';

/** How the receiver answered a test event: its status code, never its body (a URL may be an internal one). */
export interface WebhookTestReport {
  url: string;
  event: typeof TEST_EVENT;
  deliveryId: string;
  success: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** Sends one signed test event straight to a receiver (not through the outbox) and reports back. */
@Injectable()
export class WebhookTester {
  constructor(
    private readonly http: WebhookHttp,
    private readonly secrets: WebhookSecrets,
    private readonly settings: WebhookSettings,
    private readonly targets: WebhookTargets,
    private readonly policies: EgressPolicies,
  ) {}

  /** To `url` when given, else to the session's target (with `sessionId`), else to the global URL. */
  async send(options: { url?: string; sessionId?: string } = {}): Promise<WebhookTestReport> {
    const sessionId = options.sessionId ?? null;
    const url = options.url ?? (await this.targets.forSession(sessionId))?.url;
    if (!url) {
      throw new DomainError('WEBHOOK_NOT_CONFIGURED', 'No webhook URL is configured');
    }
    if (options.url) await checkUrlField(options.url, this.policies.webhooks, 'url');
    const { timeout } = await this.settings.config();
    const deliveryId = randomUUID();
    const body = JSON.stringify({
      from: '0',
      to: '0',
      message: 'Test event from the WhatsApp gateway',
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: 'text',
      event: TEST_EVENT,
      sessionId,
      deliveryId,
      test: true,
    });
    const secret = await this.secrets.forDelivery(sessionId, url);
    const outcome = await this.http.post(
      url,
      body,
      {
        'x-delivery-id': deliveryId,
        'x-webhook-event': TEST_EVENT,
        'x-webhook-attempt': '1',
        ...signatureHeaders(secret, body),
      },
      timeout,
    );
    const answered = outcome.kind === 'response';
    return {
      url,
      event: TEST_EVENT,
      deliveryId,
      success: answered && outcome.status >= 200 && outcome.status < 300,
      statusCode: answered ? outcome.status : null,
      latencyMs: outcome.latencyMs,
      error: answered ? null : `${outcome.kind}: ${outcome.error}`,
    };
  }
}
