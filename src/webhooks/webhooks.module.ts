import { Global, Module } from '@nestjs/common';
import { OutboxClaims } from './outbox-claims';
import { OutboxResults } from './outbox-results';
import { WebhookConfigService } from './webhook-config.service';
import { WebhookDeliveries } from './webhook-deliveries.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookHttp } from './webhook-http';
import { WebhookOutbox } from './webhook-outbox.service';
import { WebhookRetention } from './webhook-retention';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookSettings } from './webhook-settings';
import { WebhookTargets } from './webhook-targets';
import { WebhooksController } from './webhooks.controller';
import { WebhookTester } from './webhook-tester';

/** The outbox (written by other modules inside their transactions), its dispatcher and the webhook API. */
@Global()
@Module({
  controllers: [WebhooksController],
  providers: [
    WebhookSettings,
    WebhookTargets,
    WebhookOutbox,
    WebhookSecrets,
    WebhookHttp,
    OutboxClaims,
    OutboxResults,
    WebhookDeliveries,
    WebhookDispatcher,
    WebhookRetention,
    WebhookTester,
    WebhookConfigService,
  ],
  exports: [
    WebhookSettings,
    WebhookTargets,
    WebhookOutbox,
    WebhookSecrets,
    WebhookDeliveries,
    WebhookDispatcher,
    WebhookTester,
    WebhookConfigService,
  ],
})
export class WebhooksModule {}
