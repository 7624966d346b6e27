import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { AppConfig } from '../config/app-config';
import { CampaignActionsController } from './campaign-actions.controller';
import { CampaignAudience } from './campaign-audience';
import { CampaignEvents } from './campaign-events';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { CampaignPreviewer } from './campaign-preview';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignRecipientStore } from './campaign-recipient-store';
import { CampaignRecovery } from './campaign-recovery';
import { CampaignReport } from './campaign-report';
import { CampaignScheduler } from './campaign-scheduler';
import { CampaignSender } from './campaign-sender';
import { CampaignTransitions } from './campaign-transitions';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';

/** Campaigns: templates, media, lifecycle, the scheduler and the throttled, crash-safe sender. */
@Module({
  imports: [
    // Campaign media is one file up to MEDIA_MAX_BYTES (then 413), kept under MEDIA_PATH/campaigns.
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
    CampaignsService,
    CampaignAudience,
    CampaignPreviewer,
    CampaignLifecycle,
    CampaignTransitions,
    CampaignProgress,
    CampaignRecipientStore,
    CampaignRecovery,
    CampaignReport,
    CampaignScheduler,
    CampaignSender,
    CampaignEvents,
  ],
})
export class CampaignsModule {}
