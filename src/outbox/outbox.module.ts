import { Module } from '@nestjs/common';
import { BrokerOutputs } from './broker-outputs';
import { OutboxClaims } from './outbox-claims';
import { OutboxResults } from './outbox-results';
import { OutboxWriter } from './outbox-writer';
import { SessionWebhooks } from './session-webhooks';
import { WebhookDeliveries } from './webhook-deliveries';
import { WebhookSettings } from './webhook-settings';
import { WebhookTargets } from './webhook-targets';

const PROVIDERS = [
  BrokerOutputs,
  OutboxWriter,
  OutboxClaims,
  OutboxResults,
  SessionWebhooks,
  WebhookDeliveries,
  WebhookSettings,
  WebhookTargets,
];

/**
 * The transactional outbox: the rows of every event to deliver (written in the transaction of the
 * fact they report), where events go (the global webhook and each session's own), and the SQL the
 * dispatcher and people use on those rows. Below everything that emits events.
 */
@Module({ providers: PROVIDERS, exports: PROVIDERS })
export class OutboxModule {}
