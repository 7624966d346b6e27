import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { ActivityModule } from './activity/activity.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { CommonModule } from './common/common.module';
import { CompatModule } from './compat/compat.module';
import { EnvelopeInterceptor } from './common/envelope.interceptor';
import { EventsModule } from './events/events.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CryptoModule } from './crypto/crypto.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MessagesModule } from './messages/messages.module';
import { PrismaModule } from './prisma/prisma.module';
import { RecipientsModule } from './recipients/recipients.module';
import { SandboxModule } from './sandbox/mode/sandbox.module';
import type { SandboxRuntime } from './sandbox/mode/sandbox-runtime';
import { UsersModule } from './users/users.module';
import { SessionsModule } from './sessions/sessions.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { BAILEYS_SOCKET_OVERRIDES, type BaileysSocketOverrides } from './whatsapp/socket-overrides';
import { WhatsappModule } from './whatsapp/whatsapp.module';

export interface AppModuleOptions {
  /** Extra Baileys socket settings (tests point sockets at a simulator they started). */
  baileys?: BaileysSocketOverrides;
  /** Sandbox mode: the in-process simulator; adds /api/v1/sandbox and (unless `demo: false`) the demo. */
  sandbox?: { runtime: SandboxRuntime; demo?: boolean };
}

/** Provides the Baileys socket overrides to the connection registry. */
@Global()
@Module({})
class BaileysOverridesModule {
  static forRoot(overrides: BaileysSocketOverrides): DynamicModule {
    return {
      module: BaileysOverridesModule,
      providers: [{ provide: BAILEYS_SOCKET_OVERRIDES, useValue: overrides }],
      exports: [BAILEYS_SOCKET_OVERRIDES],
    };
  }
}

/** The gateway. Built from a validated config so tests can start it with their own. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        PrismaModule,
        CryptoModule,
        ScheduleModule.forRoot(),
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
        }),
        HealthModule,
        ActivityModule,
        AuthModule,
        UsersModule,
        CommonModule,
        BaileysOverridesModule.forRoot(options.sandbox?.runtime.socketConfig ?? options.baileys ?? {}),
        WebhooksModule,
        MessagesModule,
        WhatsappModule,
        SessionsModule,
        EventsModule,
        RecipientsModule,
        CampaignsModule,
        DashboardModule,
        CompatModule,
        AdminModule,
        ...(options.sandbox
          ? [SandboxModule.forRoot(options.sandbox.runtime, { demo: options.sandbox.demo ?? true })]
          : []),
      ],
      providers: [
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
