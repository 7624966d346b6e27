import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { OutboxModule } from '../outbox/outbox.module';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { DashboardController } from './dashboard.controller';
import { DashboardStats } from './dashboard-stats.service';

/** The dashboard's numbers: sessions, messages, webhook deliveries, uptime and memory. */
@Module({
  imports: [MessagesModule, OutboxModule, WhatsappModule],
  controllers: [DashboardController],
  providers: [DashboardStats],
  exports: [DashboardStats],
})
export class DashboardModule {}
