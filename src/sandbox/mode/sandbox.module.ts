import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { HealthModule } from '../../health/health.module';
import { HealthService } from '../../health/health.service';
import { SessionsModule } from '../../sessions/sessions.module';
import { WhatsappModule } from '../../whatsapp/whatsapp.module';
import { SandboxController } from './sandbox.controller';
import { SandboxDemo } from './sandbox-demo';
import { SandboxGroupsController } from './sandbox-groups.controller';
import { SandboxGroupsService } from './sandbox-groups.service';
import { SandboxPollsController } from './sandbox-polls.controller';
import { SandboxPollsService } from './sandbox-polls.service';
import { SandboxPresenceController } from './sandbox-presence.controller';
import { SandboxPresenceService } from './sandbox-presence.service';
import { SandboxProfilesController } from './sandbox-profiles.controller';
import { SandboxProfilesService } from './sandbox-profiles.service';
import { SandboxRevisionsController } from './sandbox-revisions.controller';
import { SandboxRevisionsService } from './sandbox-revisions.service';
import { SandboxRuntime } from './sandbox-runtime';
import { SandboxService } from './sandbox.service';

/** Sandbox mode: the simulator's control API and the self-linking demo. Imported only when SANDBOX=true. */
@Module({})
export class SandboxModule implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly runtime: SandboxRuntime,
  ) {}

  static forRoot(runtime: SandboxRuntime, options: { demo: boolean }): DynamicModule {
    return {
      module: SandboxModule,
      imports: [HealthModule, SessionsModule, WhatsappModule],
      controllers: [
        SandboxController,
        SandboxGroupsController,
        SandboxPollsController,
        SandboxPresenceController,
        SandboxProfilesController,
        SandboxRevisionsController,
      ],
      providers: [
        { provide: SandboxRuntime, useValue: runtime },
        SandboxService,
        SandboxGroupsService,
        SandboxRevisionsService,
        SandboxPollsService,
        SandboxPresenceService,
        SandboxProfilesService,
        ...(options.demo ? [SandboxDemo] : []),
      ],
      exports: [SandboxService],
    };
  }

  onModuleInit(): void {
    this.health.markSandbox();
    this.health.register('sandbox', () => ({
      enabled: true,
      simulator: this.runtime.socketConfig.waWebSocketUrl,
    }));
  }
}
