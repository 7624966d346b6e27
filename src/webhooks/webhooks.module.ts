import { Global, Module } from '@nestjs/common';
import { WebhookOutbox } from './webhook-outbox.service';
import { WebhookTargets } from './webhook-targets';

@Global()
@Module({ providers: [WebhookTargets, WebhookOutbox], exports: [WebhookTargets, WebhookOutbox] })
export class WebhooksModule {}
