import { DynamicModule, Module } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { AuthModule } from '../auth/auth.module';
import type { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { PrismaModule } from '../prisma/prisma.module';
import { FirstAdminSeeder } from '../users/first-admin.seeder';

/** What the command-line tasks need: the configuration, the database, and the first-admin seeder. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), PrismaModule, ActivityModule, AuthModule],
      providers: [FirstAdminSeeder],
    };
  }
}
