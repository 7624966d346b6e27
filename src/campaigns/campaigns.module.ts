import { Module, OnModuleInit } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { ActivityModule } from '../activity/activity.module';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { MediaModule } from '../media/media.module';
import { MessagesModule } from '../messages/messages.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RecipientListsService } from '../recipients/recipient-lists.service';
import { RecipientsModule } from '../recipients/recipients.module';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { CampaignActionsController } from './campaign-actions.controller';
import { CampaignAudience } from './campaign-audience';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { CampaignPreviewer } from './campaign-preview';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignRecipientStore } from './campaign-recipient-store';
import { CampaignRecovery } from './campaign-recovery';
import { CampaignReport } from './campaign-report';
import { CampaignScheduler } from './campaign-scheduler';
import { CampaignSender } from './campaign-sender';
import { CampaignTransitions } from './campaign-transitions';
import { CampaignRepository } from './campaign.repository';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';
import { WhatsAppFeedback } from './whatsapp-feedback';

/** Campaigns: templates, media, lifecycle, the scheduler and the throttled, crash-safe sender. */
@Module({
  imports: [
    ActivityModule,
    MediaModule,
    MessagesModule,
    OutboxModule,
    RecipientsModule,
    WhatsappModule,
    // Campaign media is one file up to MEDIA_MAX_BYTES (then 413), kept by the media store.
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        storage: memoryStorage(),
        limits: { fileSize: config.MEDIA_MAX_BYTES, files: 1 },
      }),
    }),
  ],
  controllers: [CampaignActionsController, CampaignsController],
  providers: [
    CampaignAudience,
    CampaignLifecycle,
    CampaignPreviewer,
    CampaignProgress,
    CampaignRecipientStore,
    CampaignRecovery,
    CampaignReport,
    CampaignRepository,
    CampaignScheduler,
    CampaignSender,
    CampaignTransitions,
    CampaignsService,
    WhatsAppFeedback,
  ],
  exports: [CampaignRepository],
})
export class CampaignsModule implements OnModuleInit {
  constructor(
    private readonly lists: RecipientListsService,
    private readonly campaigns: CampaignRepository,
  ) {}

  /** A list that a campaign which has not started still sends to cannot be deleted. */
  onModuleInit(): void {
    this.lists.addDeletionGuard(async (listId) => {
      const waiting = await this.campaigns.notStartedUsing(listId);
      if (waiting.length > 0) {
        throw new DomainError(
          'LIST_IN_USE',
          `The list is used by campaigns that have not started yet (${waiting.join(', ')}); remove it from them first`,
        );
      }
    });
  }
}
