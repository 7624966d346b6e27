import { Global, Module } from '@nestjs/common';
import { ActivityController } from './activity.controller';
import { ActivityLogQueries } from './activity-log.queries';
import { ActivityService } from './activity.service';

/** The audit log: every module records into it through ActivityService, so it is global. */
@Global()
@Module({
  controllers: [ActivityController],
  providers: [ActivityService, ActivityLogQueries],
  exports: [ActivityService],
})
export class ActivityModule {}
