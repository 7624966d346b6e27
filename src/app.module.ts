import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ActivityModule } from './activity/activity.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { CommonModule } from './common/common.module';
import { EnvelopeInterceptor } from './common/envelope.interceptor';
import { CompatModule } from './compat/compat.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { LoginModule } from './login/login.module';
import { MetricsModule } from './metrics/metrics.module';
import { PrismaModule } from './prisma/prisma.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RecipientsModule } from './recipients/recipients.module';
import type { SandboxRuntime } from './sandbox/mode/sandbox-runtime';
import { SessionsModule } from './sessions/sessions.module';
import { UsersModule } from './users/users.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WhatsAppSocketSettings, type SocketOverrides } from './whatsapp/socket-settings';

export interface AppModuleOptions {
  /** Extra Baileys socket settings (tests point sockets at a simulator they started). */
  baileys?: SocketOverrides;
  /** Sandbox mode: the in-process simulator; adds /api/v1/sandbox and (unless `demo: false`) the demo. */
  sandbox?: { runtime: SandboxRuntime; demo?: boolean };
}

/**
 * The simulator's routes and demo, loaded in sandbox mode only (outside it the simulator's code would
 * be memory spent for nothing; test/lazy-loading.e2e-spec.ts checks it stays unloaded).
 */
function sandboxModule(sandbox: NonNullable<AppModuleOptions['sandbox']>): DynamicModule {
  // Loaded in sandbox mode only.
  const { SandboxModule } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./sandbox/mode/sandbox.module') as typeof import('./sandbox/mode/sandbox.module');
  return SandboxModule.forRoot(sandbox.runtime, { demo: sandbox.demo ?? true });
}

/** The gateway. Built from a validated config so tests can start it with their own. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    const socketSettings = new WhatsAppSocketSettings(
      options.sandbox?.runtime.socketConfig ?? options.baileys ?? {},
    );
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, [{ provide: WhatsAppSocketSettings, useValue: socketSettings }]),
        LoggingModule,
        PrismaModule,
        CommonModule,
        ScheduleModule.forRoot(),
        HealthModule,
        ActivityModule,
        AuthModule,
        LoginModule,
        UsersModule,
        WebhooksModule,
        SessionsModule,
        RealtimeModule,
        RecipientsModule,
        CampaignsModule,
        DashboardModule,
        CompatModule,
        AdminModule,
        MetricsModule,
        ...(options.sandbox ? [sandboxModule(options.sandbox)] : []),
      ],
      providers: [
        // The global rate limit first (ThrottlerModule is set up by AuthModule), then AuthModule's AccessGuard.
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
