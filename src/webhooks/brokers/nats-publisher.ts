import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type * as Nats from 'nats';
import type { JetStreamClient, NatsConnection } from 'nats';
import type { PostOutcome } from '../retry-policy';
import type { BrokerLinkState } from './amqp-publisher';
import {
  ACCEPTED,
  brokerError,
  errorText,
  maskedBrokerUrl,
  redactUrls,
  UNREACHABLE_MS,
  withDeadline,
} from './broker-outcome';

let nats: typeof Nats | undefined;
/** The NATS client, loaded at the first publish: most gateways have no NATS output (docs/benchmarks.md, Idle memory). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const natsClient = (): typeof Nats => (nats ??= require('nats') as typeof Nats);

/** One connection per server URL, kept open (the client reconnects by itself) and opened again if closed. */
interface Link {
  connection: NatsConnection | null;
  jetstream: JetStreamClient | null;
  opening: Promise<JetStreamClient> | null;
  /** Streams known to exist on this connection. */
  streams: Set<string>;
  /** False while the client is reconnecting: publishes fail at once instead of waiting for a PubAck. */
  connected: boolean;
  /** After a failed first connect, publishes fail at once until then. */
  downUntil: number;
  lastError: string | null;
}

export interface NatsMessage {
  stream: string;
  subjectPrefix: string;
  subject: string;
  body: string;
  /** The outbox delivery id: JetStream's Nats-Msg-Id, so a redelivered row is stored once. */
  msgId: string;
  headers: Record<string, string>;
}

/** The parts of a nats:// URL the client takes as options: servers without credentials, then user/pass or token. */
export function natsOptions(url: string): { servers: string; user?: string; pass?: string; token?: string } {
  const parsed = new URL(url);
  const servers = `${parsed.hostname.includes(':') ? `[${parsed.hostname}]` : parsed.hostname}:${parsed.port || '4222'}`;
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  if (user && pass) return { servers, user, pass };
  if (user) return { servers, token: user };
  return { servers };
}

/**
 * Publishes to NATS JetStream and waits for the stream's PubAck, so a message counts as delivered
 * only once the stream has stored it. Each message carries the outbox delivery id as its msgID:
 * JetStream drops a redelivered row within the stream's duplicate window (2 minutes by default).
 * A stream that does not exist is created, capturing `<prefix>.>`. Never throws.
 */
@Injectable()
export class NatsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(NatsPublisher.name);
  private readonly links = new Map<string, Link>();

  async publish(url: string, message: NatsMessage, timeoutMs: number): Promise<PostOutcome> {
    const started = performance.now();
    try {
      await withDeadline(timeoutMs, async () => {
        const jetstream = await this.jetstreamFor(url, message, timeoutMs);
        const h = natsClient().headers();
        for (const [name, value] of Object.entries(message.headers)) h.set(name, value);
        h.set('content-type', 'application/json');
        await jetstream.publish(message.subject, Buffer.from(message.body), {
          msgID: message.msgId,
          timeout: timeoutMs,
          headers: h,
        });
      });
      return ACCEPTED(started);
    } catch (error) {
      return brokerError(error, started, timeoutMs);
    }
  }

  private async jetstreamFor(url: string, message: NatsMessage, timeoutMs: number): Promise<JetStreamClient> {
    let link = this.links.get(url);
    if (!link) {
      link = {
        connection: null,
        jetstream: null,
        opening: null,
        streams: new Set(),
        connected: false,
        downUntil: 0,
        lastError: null,
      };
      this.links.set(url, link);
    }
    // A broker that is down must not keep dispatcher lanes (shared with webhooks) waiting: the row
    // is retried with the usual backoff.
    if (link.jetstream && !link.connected) throw new Error('not connected (reconnecting)');
    if (!link.jetstream && !link.opening && Date.now() < link.downUntil)
      throw new Error(`unreachable (last connect: ${link.lastError})`);
    const jetstream =
      link.jetstream ??
      (await (link.opening ??= this.open(url, link, timeoutMs)
        .catch((error: unknown) => {
          link.downUntil = Date.now() + UNREACHABLE_MS;
          link.lastError = errorText(error);
          throw error;
        })
        .finally(() => {
          link.opening = null;
        })));
    const key = `${message.stream}\n${message.subjectPrefix}`;
    if (!link.streams.has(key)) {
      await this.ensureStream(link.connection!, message.stream, message.subjectPrefix);
      link.streams.add(key);
    }
    return jetstream;
  }

  private async open(url: string, link: Link, timeoutMs: number): Promise<JetStreamClient> {
    const connection = await natsClient().connect({
      ...natsOptions(url),
      name: 'wa-gateway broker output',
      timeout: timeoutMs,
      // Keep the connection: the client reconnects by itself for as long as it takes; publishes made
      // meanwhile fail on their PubAck timeout and are retried from the outbox.
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
    });
    link.connection = connection;
    link.jetstream = connection.jetstream();
    link.connected = true;
    link.streams.clear();
    void (async () => {
      for await (const status of connection.status()) {
        if (link.connection !== connection) return;
        if (status.type === 'disconnect') link.connected = false;
        else if (status.type === 'reconnect') link.connected = true;
      }
    })();
    void connection.closed().then((error) => {
      if (error)
        this.logger.warn(
          { broker: maskedBrokerUrl(url), err: redactUrls(error.message) },
          'NATS connection closed',
        );
      if (link.connection === connection) {
        link.connection = null;
        link.jetstream = null;
        link.connected = false;
      }
    });
    return link.jetstream;
  }

  private async ensureStream(connection: NatsConnection, stream: string, prefix: string): Promise<void> {
    const manager = await connection.jetstreamManager();
    try {
      await manager.streams.info(stream);
    } catch (error) {
      if (!/not found/i.test((error as Error).message)) throw error;
      await manager.streams.add({ name: stream, subjects: [`${prefix}.>`] });
    }
  }

  /** Each server this process publishes to, for the health details (URLs masked). */
  state(): BrokerLinkState[] {
    return [...this.links.entries()].map(([url, link]) => ({
      url: maskedBrokerUrl(url),
      connected: link.jetstream !== null && link.connected,
      lastError: link.jetstream ? (link.connected ? null : 'reconnecting') : link.lastError,
    }));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.links.values()].map(async (link) => link.connection?.close()));
    this.links.clear();
  }
}
