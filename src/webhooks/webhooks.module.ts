import { Module } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { CryptoModule } from '../crypto/crypto.module';
import { EgressModule } from '../egress/egress.module';
import { HealthModule } from '../health/health.module';
import { OutboxModule } from '../outbox/outbox.module';
import { WebhookConfigService } from './webhook-config.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookHttp } from './webhook-http';
import { WebhookRetention } from './webhook-retention';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookTester } from './webhook-tester';
import { WebhooksController } from './webhooks.controller';

/** Webhook delivery: the dispatcher and its HTTP client, signing secrets, retention, and the webhook API. */
@Module({
  imports: [OutboxModule, CryptoModule, EgressModule, ActivityModule, HealthModule],
  controllers: [WebhooksController],
  providers: [
    WebhookConfigService,
    WebhookDispatcher,
    WebhookHttp,
    WebhookRetention,
    WebhookSecrets,
    WebhookTester,
  ],
  exports: [WebhookConfigService, WebhookTester],
})
export class WebhooksModule {}
