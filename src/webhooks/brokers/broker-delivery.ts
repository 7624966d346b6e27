import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SealedData } from '../../crypto/sealed-data';
import { SecretBox } from '../../crypto/secret-box';
import { HealthService } from '../../health/health.service';
import {
  BrokerOutputs,
  BROKER_KINDS,
  type BrokerKind,
  type ResolvedBrokerOutput,
} from '../../outbox/broker-outputs';
import type { ClaimedDelivery } from '../../outbox/outbox-claims';
import type { PostOutcome } from '../retry-policy';
import { signatureHeaders, WebhookSecrets } from '../webhook-secrets';
import { AmqpPublisher } from './amqp-publisher';
import { NatsPublisher } from './nats-publisher';

export const BROKER_URL_PURPOSE = 'broker-url';

/** What one broker message is: where it goes and with which headers (the body is the webhook body). */
export interface BrokerMessage {
  event: string;
  sessionId: string | null;
  deliveryId: string;
  body: string;
  attempt: number;
}

/** The name a session takes in routing keys and subjects (`_` for events of no session). */
const sessionToken = (sessionId: string | null): string => sessionId ?? '_';

/** RabbitMQ: `<event>.<sessionId>`, e.g. `message.inbound.sales` (bind `message.*.sales`, `#.sales`, ...). */
export const routingKeyOf = (event: string, sessionId: string | null): string =>
  `${event}.${sessionToken(sessionId)}`;

/** NATS: `<prefix>.<sessionId>.<event>`, e.g. `wa.sales.message.inbound` (subscribe `wa.sales.>`). */
export const subjectOf = (prefix: string, event: string, sessionId: string | null): string =>
  `${prefix}.${sessionToken(sessionId)}.${event}`;

/**
 * Sends outbox rows of the broker channels: finds the output that applies to the row's session now
 * (its own, else the global one), opens its URL, adds the headers a webhook POST has (signature
 * headers when the output is signed) and publishes through the kind's client.
 */
@Injectable()
export class BrokerDelivery implements OnApplicationBootstrap {
  /** Sealed URL -> plain URL (a sealed value is unique; a changed URL is a new key). */
  private readonly urls = new Map<string, string>();

  constructor(
    private readonly outputs: BrokerOutputs,
    private readonly box: SecretBox,
    private readonly secrets: WebhookSecrets,
    private readonly amqp: AmqpPublisher,
    private readonly nats: NatsPublisher,
    private readonly health: HealthService,
    sealed: SealedData,
  ) {
    sealed.register({
      name: 'broker output URLs',
      resealAll: (tx, reseal) =>
        this.outputs.resealUrls(tx, (value) =>
          reseal(Buffer.from(value, 'base64'), BROKER_URL_PURPOSE).toString('base64'),
        ),
      sample: async () => {
        const url = await this.outputs.sampleUrl();
        return url ? { sealed: Buffer.from(url, 'base64'), purpose: BROKER_URL_PURPOSE } : null;
      },
    });
  }

  /** GET /api/v1/health/details `brokers`: this process's connections (their backlog is in `webhooks`). */
  onApplicationBootstrap(): void {
    this.health.register('brokers', () =>
      Promise.resolve({ rabbitmq: this.amqp.state(), nats: this.nats.state() }),
    );
  }

  static isBrokerChannel(channel: string): channel is BrokerKind {
    return BROKER_KINDS.includes(channel as BrokerKind);
  }

  /** One outbox row of a broker channel. */
  async deliver(row: ClaimedDelivery, attempt: number, timeoutMs: number): Promise<PostOutcome> {
    const kind = row.channel as BrokerKind;
    const output = await this.outputs.output(row.sessionId, kind);
    if (!output) return { kind: 'refused', error: `no ${kind} output is configured`, latencyMs: 0 };
    return this.publish(
      output,
      {
        event: row.event,
        sessionId: row.sessionId,
        deliveryId: row.deliveryId,
        body: row.payload,
        attempt,
      },
      timeoutMs,
    );
  }

  /** Publishes one message to an output (the dispatcher's rows and the test event). */
  async publish(
    output: ResolvedBrokerOutput,
    message: BrokerMessage,
    timeoutMs: number,
  ): Promise<PostOutcome> {
    let url: string;
    let headers: Record<string, string>;
    try {
      url = this.open(output.url);
      headers = {
        'x-delivery-id': message.deliveryId,
        'x-webhook-event': message.event,
        'x-webhook-attempt': String(message.attempt),
        ...(output.signed
          ? signatureHeaders(await this.secretFor(output, message.sessionId), message.body)
          : {}),
      };
    } catch (error) {
      return { kind: 'network', error: `cannot prepare: ${(error as Error).message}`, latencyMs: 0 };
    }
    if (output.kind === 'rabbitmq') {
      return this.amqp.publish(
        url,
        {
          exchange: output.destination,
          routingKey: routingKeyOf(message.event, message.sessionId),
          body: message.body,
          messageId: message.deliveryId,
          event: message.event,
          headers,
        },
        timeoutMs,
      );
    }
    const prefix = output.subjectPrefix ?? 'wa';
    return this.nats.publish(
      url,
      {
        stream: output.destination,
        subjectPrefix: prefix,
        subject: subjectOf(prefix, message.event, message.sessionId),
        body: message.body,
        msgId: message.deliveryId,
        headers,
      },
      timeoutMs,
    );
  }

  /** The session's own secret signs its own outputs; the global secret signs the global ones. */
  private secretFor(output: ResolvedBrokerOutput, sessionId: string | null): Promise<string> {
    return output.scope === 'session' && sessionId
      ? this.secrets.sessionSecret(sessionId)
      : this.secrets.globalSecret();
  }

  private open(sealed: string): string {
    let url = this.urls.get(sealed);
    if (url === undefined) {
      url = this.box.decryptToString(sealed, BROKER_URL_PURPOSE);
      if (this.urls.size > 1_000) this.urls.clear();
      this.urls.set(sealed, url);
    }
    return url;
  }

  seal(url: string): string {
    return this.box.encryptToString(url, BROKER_URL_PURPOSE);
  }

  plainUrl(output: ResolvedBrokerOutput): string | null {
    try {
      return this.open(output.url);
    } catch {
      return null;
    }
  }
}
