import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { PostOutcome } from '../retry-policy';
import {
  ACCEPTED,
  brokerError,
  errorText,
  maskedBrokerUrl,
  redactUrls,
  UNREACHABLE_MS,
  withDeadline,
} from './broker-outcome';

/** One connection and confirm channel per broker URL, opened on first use and again after a loss. */
interface Link {
  model: ChannelModel | null;
  channel: ConfirmChannel | null;
  opening: Promise<ConfirmChannel> | null;
  /** Exchanges declared on this connection. */
  exchanges: Set<string>;
  /** After a failed connect, publishes fail at once until then (see UNREACHABLE_MS). */
  downUntil: number;
  lastError: string | null;
}

export interface BrokerLinkState {
  url: string | null;
  connected: boolean;
  /** Why the last connect failed, while not connected. */
  lastError: string | null;
}

export interface AmqpMessage {
  exchange: string;
  routingKey: string;
  body: string;
  /** The outbox delivery id: the AMQP message id (consumers dedup redeliveries by it). */
  messageId: string;
  event: string;
  headers: Record<string, string>;
}

/**
 * Publishes to RabbitMQ with publisher confirms: a message counts as delivered only when the broker
 * has taken responsibility for it (persistent, to a durable topic exchange). A lost connection is
 * dropped and opened again on the next publish, so a broker that is down costs each attempt one
 * refused connect, never a blocked lane. Never throws: every result is a PostOutcome.
 */
@Injectable()
export class AmqpPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(AmqpPublisher.name);
  private readonly links = new Map<string, Link>();

  async publish(url: string, message: AmqpMessage, timeoutMs: number): Promise<PostOutcome> {
    const started = performance.now();
    try {
      await withDeadline(timeoutMs, async () => {
        const channel = await this.channelFor(url, message.exchange, timeoutMs);
        await new Promise<void>((resolve, reject) => {
          channel.publish(
            message.exchange,
            message.routingKey,
            Buffer.from(message.body),
            {
              persistent: true,
              contentType: 'application/json',
              messageId: message.messageId,
              type: message.event,
              appId: 'wa-gateway',
              timestamp: Math.floor(Date.now() / 1000),
              headers: message.headers,
            },
            (error) =>
              error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
          );
        });
      });
      return ACCEPTED(started);
    } catch (error) {
      // A confirm that never came, or a channel error: the next attempt starts on a fresh connection.
      this.drop(url);
      return brokerError(error, started, timeoutMs);
    }
  }

  private async channelFor(url: string, exchange: string, timeoutMs: number): Promise<ConfirmChannel> {
    let link = this.links.get(url);
    if (!link) {
      link = {
        model: null,
        channel: null,
        opening: null,
        exchanges: new Set(),
        downUntil: 0,
        lastError: null,
      };
      this.links.set(url, link);
    }
    if (!link.channel && !link.opening && Date.now() < link.downUntil)
      throw new Error(`unreachable (last connect: ${link.lastError})`);
    const channel =
      link.channel ??
      (await (link.opening ??= this.open(url, link, timeoutMs)
        .catch((error: unknown) => {
          link.downUntil = Date.now() + UNREACHABLE_MS;
          link.lastError = errorText(error);
          throw error;
        })
        .finally(() => {
          link.opening = null;
        })));
    if (!link.exchanges.has(exchange)) {
      await channel.assertExchange(exchange, 'topic', { durable: true });
      link.exchanges.add(exchange);
    }
    return channel;
  }

  private async open(url: string, link: Link, timeoutMs: number): Promise<ConfirmChannel> {
    const model = await connect(url, {
      timeout: timeoutMs,
      clientProperties: { connection_name: 'wa-gateway broker output' },
    });
    try {
      const channel = await model.createConfirmChannel();
      model.on('error', (error: Error) =>
        this.logger.warn(
          { broker: maskedBrokerUrl(url), err: redactUrls(error.message) },
          'RabbitMQ connection error',
        ),
      );
      model.on('close', () => {
        if (link.model === model) this.forget(link);
      });
      channel.on('error', (error: Error) =>
        this.logger.warn(
          { broker: maskedBrokerUrl(url), err: redactUrls(error.message) },
          'RabbitMQ channel error',
        ),
      );
      channel.on('close', () => {
        if (link.channel === channel) this.drop(url);
      });
      link.model = model;
      link.channel = channel;
      link.exchanges.clear();
      return channel;
    } catch (error) {
      await model.close().catch(() => undefined);
      throw error;
    }
  }

  private forget(link: Link): void {
    link.model = null;
    link.channel = null;
    link.exchanges.clear();
  }

  private drop(url: string): void {
    const link = this.links.get(url);
    if (!link?.model) return;
    const model = link.model;
    this.forget(link);
    model.close().catch(() => undefined);
  }

  /** Each broker this process publishes to, for the health details (URLs masked). */
  state(): BrokerLinkState[] {
    return [...this.links.entries()].map(([url, link]) => ({
      url: maskedBrokerUrl(url),
      connected: link.channel !== null,
      lastError: link.channel ? null : link.lastError,
    }));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.links.values()].map(async (link) => link.model?.close()));
    this.links.clear();
  }
}
