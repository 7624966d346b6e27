import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ActivityService, audited } from '../../activity/activity.service';
import { type Actor } from '../../auth/actor';
import { DomainError, validationFailed } from '../../common/errors';
import {
  BrokerOutputs,
  BROKER_KINDS,
  type BrokerKind,
  type BrokerOutput,
  type ResolvedBrokerOutput,
} from '../../outbox/broker-outputs';
import type { WebhookEventName } from '../../outbox/event-names';
import { WebhookSettings } from '../../outbox/webhook-settings';
import type { NatsOutputDto, RabbitmqOutputDto, UpdateBrokerOutputsDto } from '../dto/broker-config.dto';
import { TEST_EVENT } from '../webhook-tester';
import { BrokerDelivery, routingKeyOf, subjectOf } from './broker-delivery';
import { maskedBrokerUrl } from './broker-outcome';

/** One output as people see it: the URL masked (it carries credentials), never the sealed value. */
export interface BrokerOutputView {
  url: string | null;
  /** RabbitMQ: the exchange; NATS: the stream. */
  exchange?: string;
  stream?: string;
  subjectPrefix?: string;
  events: WebhookEventName[];
  signed: boolean;
}

export type BrokerOutputsView = Record<BrokerKind, BrokerOutputView | null>;

export interface BrokerTestReport {
  kind: BrokerKind;
  scope: 'session' | 'global';
  url: string | null;
  destination: string;
  /** The routing key (RabbitMQ) or subject (NATS) the test event went to. */
  address: string;
  event: typeof TEST_EVENT;
  deliveryId: string;
  success: boolean;
  latencyMs: number;
  error: string | null;
}

type OutputDto = RabbitmqOutputDto | NatsOutputDto;

/**
 * The broker outputs as people see and change them (global and per session), audited, with their
 * URLs sealed at rest and masked in every answer; and the test event.
 */
@Injectable()
export class BrokerConfigService {
  constructor(
    private readonly outputs: BrokerOutputs,
    private readonly delivery: BrokerDelivery,
    private readonly settings: WebhookSettings,
    private readonly activity: ActivityService,
  ) {}

  async viewGlobal(): Promise<BrokerOutputsView> {
    this.outputs.invalidate();
    return this.toView(await this.outputs.globalOutputs());
  }

  async viewSession(sessionId: string): Promise<BrokerOutputsView & { sessionId: string }> {
    this.outputs.invalidate(sessionId);
    const own = await this.outputs.sessionOutputs(sessionId);
    return { sessionId, ...this.toView(Object.fromEntries(own.map((output) => [output.kind, output]))) };
  }

  async updateGlobal(dto: UpdateBrokerOutputsDto, actor: Actor): Promise<BrokerOutputsView> {
    const current = await this.outputs.globalOutputs();
    const changes = this.changes(dto, current);
    for (const [kind, output] of changes) await this.outputs.setGlobal(kind, output);
    if (changes.length > 0) {
      this.outputs.invalidate();
      await this.audit(actor, 'global', changes);
    }
    return this.viewGlobal();
  }

  async updateSession(
    sessionId: string,
    dto: UpdateBrokerOutputsDto,
    actor: Actor,
  ): Promise<BrokerOutputsView & { sessionId: string }> {
    const own = await this.outputs.sessionOutputs(sessionId);
    const changes = this.changes(dto, Object.fromEntries(own.map((output) => [output.kind, output])));
    for (const [kind, output] of changes) await this.outputs.setSession(sessionId, kind, output);
    if (changes.length > 0) await this.audit(actor, sessionId, changes);
    return this.viewSession(sessionId);
  }

  /** Publishes one test event to the output that applies (the session's own, else the global one). */
  async test(kind: BrokerKind, sessionId: string | null): Promise<BrokerTestReport> {
    const output = await this.outputs.output(sessionId, kind);
    if (!output) throw new DomainError('BROKER_NOT_CONFIGURED', `No ${kind} output is configured`);
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
    const outcome = await this.delivery.publish(
      output,
      { event: TEST_EVENT, sessionId, deliveryId, body, attempt: 1 },
      timeout,
    );
    const success = outcome.kind === 'response';
    return {
      kind,
      scope: output.scope,
      url: maskedBrokerUrl(this.delivery.plainUrl(output)),
      destination: output.destination,
      address:
        kind === 'rabbitmq'
          ? routingKeyOf(TEST_EVENT, sessionId)
          : subjectOf(output.subjectPrefix ?? 'wa', TEST_EVENT, sessionId),
      event: TEST_EVENT,
      deliveryId,
      success,
      latencyMs: outcome.latencyMs,
      error: outcome.kind === 'response' ? null : `${outcome.kind}: ${outcome.error}`,
    };
  }

  /** The outputs the body changes: [kind, new output or null to remove]; a field left out keeps its stored value. */
  private changes(
    dto: UpdateBrokerOutputsDto,
    current: Partial<Record<BrokerKind, BrokerOutput>>,
  ): [BrokerKind, BrokerOutput | null][] {
    const changes: [BrokerKind, BrokerOutput | null][] = [];
    for (const kind of BROKER_KINDS) {
      const given = dto[kind] as OutputDto | null | undefined;
      if (given === undefined) continue;
      if (given === null) {
        changes.push([kind, null]);
        continue;
      }
      const stored = current[kind];
      const url = given.url ? this.delivery.seal(given.url) : stored?.url;
      if (!url) {
        throw validationFailed([
          { field: `${kind}.url`, errors: [`${kind}.url is required for a new output`] },
        ]);
      }
      changes.push([
        kind,
        {
          kind,
          url,
          destination: 'exchange' in given ? given.exchange : given.stream,
          subjectPrefix:
            kind === 'nats'
              ? ((given as NatsOutputDto).subjectPrefix ?? stored?.subjectPrefix ?? 'wa')
              : null,
          events: given.events ?? stored?.events ?? [],
          signed: given.signed ?? stored?.signed ?? false,
        },
      ]);
    }
    return changes;
  }

  private toView(outputs: Partial<Record<BrokerKind, BrokerOutput>>): BrokerOutputsView {
    const view = (output: BrokerOutput | undefined): BrokerOutputView | null => {
      if (!output) return null;
      const url = maskedBrokerUrl(this.delivery.plainUrl({ ...output, scope: 'global' }));
      const common = { url, events: output.events, signed: output.signed };
      return output.kind === 'rabbitmq'
        ? { ...common, exchange: output.destination }
        : { ...common, stream: output.destination, subjectPrefix: output.subjectPrefix ?? 'wa' };
    };
    return { rabbitmq: view(outputs.rabbitmq), nats: view(outputs.nats) };
  }

  private audit(actor: Actor, targetId: string, changes: [BrokerKind, BrokerOutput | null][]) {
    // Never the URL: it carries credentials; where it points is in the masked view.
    const metadata = Object.fromEntries(
      changes.map(([kind, output]) => [
        kind,
        output ? { destination: output.destination, events: output.events, signed: output.signed } : null,
      ]),
    );
    return this.activity.record({
      ...audited(actor),
      action: 'broker.config_updated',
      targetType: targetId === 'global' ? 'webhook' : 'session',
      targetId,
      metadata,
    });
  }
}

export type { ResolvedBrokerOutput };
