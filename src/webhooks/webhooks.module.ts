import { Module } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { CryptoModule } from '../crypto/crypto.module';
import { EgressModule } from '../egress/egress.module';
import { HealthModule } from '../health/health.module';
import { OutboxModule } from '../outbox/outbox.module';
import { AmqpPublisher } from './brokers/amqp-publisher';
import { BrokerConfigService } from './brokers/broker-config.service';
import { BrokerDelivery } from './brokers/broker-delivery';
import { BrokersController } from './brokers/brokers.controller';
import { NatsPublisher } from './brokers/nats-publisher';
import { WebhookConfigService } from './webhook-config.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookHttp } from './webhook-http';
import { WebhookRetention } from './webhook-retention';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookTester } from './webhook-tester';
import { WebhooksController } from './webhooks.controller';

/**
 * Delivery of the outbox: the dispatcher, its HTTP client and broker clients (RabbitMQ, NATS),
 * signing secrets, retention, and the webhook and broker-output API.
 */
@Module({
  imports: [OutboxModule, CryptoModule, EgressModule, ActivityModule, HealthModule],
  controllers: [WebhooksController, BrokersController],
  providers: [
    AmqpPublisher,
    BrokerConfigService,
    BrokerDelivery,
    NatsPublisher,
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
