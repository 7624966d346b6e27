import { Module } from '@nestjs/common';
import { DashboardModule } from '../dashboard/dashboard.module';
import { MessagesModule } from '../messages/messages.module';
import { OutboxModule } from '../outbox/outbox.module';
import { SessionsModule } from '../sessions/sessions.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { AccountsController } from './accounts.controller';
import { CompatAccounts } from './compat-accounts.service';
import { DashboardCompatController } from './dashboard-compat.controller';

/** The first seed's API (wa-server) as a compatible surface over sessions, messages and webhooks. */
@Module({
  imports: [DashboardModule, MessagesModule, OutboxModule, SessionsModule, WebhooksModule, WhatsappModule],
  controllers: [AccountsController, DashboardCompatController],
  providers: [CompatAccounts],
})
export class CompatModule {}
