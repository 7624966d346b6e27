import { Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { AuthModule } from '../auth/auth.module';
import { FirstAdminSeeder } from './first-admin.seeder';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** User management by admins, and the first admin, created at start when there is no user. */
@Module({
  imports: [AuthModule, ActivityModule],
  controllers: [UsersController],
  providers: [UsersService, FirstAdminSeeder],
})
export class UsersModule implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersModule.name);

  constructor(private readonly seeder: FirstAdminSeeder) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.seeder.ensureFirstAdmin();
    } catch (error) {
      // A database that is down at start must not stop the gateway; /health reports it.
      this.logger.warn(
        `Could not check for a first admin: ${error instanceof Error ? error.message : error}`,
      );
    }
  }
}
