import { Module } from '@nestjs/common';
import { DashboardModule } from '../dashboard/dashboard.module';
import { SessionsModule } from '../sessions/sessions.module';
import { AccountsController } from './accounts.controller';
import { CompatAccounts } from './compat-accounts.service';
import { DashboardCompatController } from './dashboard-compat.controller';

/** The first seed's API (wa-server) as a compatible surface over sessions, messages and webhooks. */
@Module({
  imports: [SessionsModule, DashboardModule],
  controllers: [AccountsController, DashboardCompatController],
  providers: [CompatAccounts],
})
export class CompatModule {}
