import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { MessagesModule } from '../messages/messages.module';
import { OutboxModule } from '../outbox/outbox.module';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { DatabaseMetrics } from './database-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsExposition } from './metrics-exposition';
import { MetricsServer } from './metrics-server';
import { ProcessMetrics } from './process-metrics';

/** Prometheus /metrics (docs/operations.md): this process's counters and the database's gauges. */
@Module({
  imports: [CampaignsModule, MessagesModule, OutboxModule, WhatsappModule],
  controllers: [MetricsController],
  providers: [DatabaseMetrics, MetricsExposition, MetricsServer, ProcessMetrics],
})
export class MetricsModule {}
