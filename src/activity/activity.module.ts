import { Module } from '@nestjs/common';
import { ActivityController } from './activity.controller';
import { ActivityLogQueries } from './activity-log.queries';
import { ActivityService } from './activity.service';

/** The audit log: written by every module through ActivityService, read by admins. */
@Module({
  controllers: [ActivityController],
  providers: [ActivityService, ActivityLogQueries],
  exports: [ActivityService],
})
export class ActivityModule {}
