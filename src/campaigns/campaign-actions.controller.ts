import { pipeline, Readable } from 'node:stream';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import { ActivityService, audited } from '../activity/activity.service';
import { RequestActor, type Actor } from '../auth/actor';
import { ANY_ROLE, OPERATOR_ROLES, Roles } from '../auth/decorators';
import { RawResponse, ResponseMessage } from '../common/response.decorators';
import { CampaignLifecycle } from './campaign-lifecycle.service';
import { CampaignProgress } from './campaign-progress.service';
import { CampaignReport } from './campaign-report';
import { CampaignScheduler } from './campaign-scheduler';
import { CampaignsService } from './campaigns.service';
import {
  CampaignRecipientQueryDto,
  PauseCampaignDto,
  RetryCampaignDto,
  ScheduleCampaignDto,
  StartCampaignDto,
} from './dto/campaign-actions.dto';

@ApiTags('campaigns')
@Controller('api/v1/campaigns')
export class CampaignActionsController {
  constructor(
    private readonly lifecycle: CampaignLifecycle,
    private readonly scheduler: CampaignScheduler,
    private readonly progress: CampaignProgress,
    private readonly report: CampaignReport,
    private readonly campaigns: CampaignsService,
    private readonly activity: ActivityService,
  ) {}

  @Post('check-scheduled')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Scheduled campaigns checked')
  @ApiOperation({
    summary: 'Start every scheduled campaign whose time has come, now (the scheduler does it every tick)',
  })
  checkScheduled() {
    return this.scheduler.checkScheduled();
  }

  @Post(':id/schedule')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign scheduled')
  @ApiOperation({ summary: 'Schedule the start at a time in a stated IANA time zone' })
  schedule(
    @Param('id', ParseIntPipe) id: number,
    @Body() dto: ScheduleCampaignDto,
    @RequestActor() actor: Actor,
  ) {
    return this.lifecycle.schedule(id, dto, actor);
  }

  @Delete(':id/schedule')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign unscheduled')
  @ApiOperation({ summary: 'Back to draft' })
  unschedule(@Param('id', ParseIntPipe) id: number, @RequestActor() actor: Actor) {
    return this.lifecycle.unschedule(id, actor);
  }

  @Post(':id/start')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign started')
  @ApiOperation({
    summary: 'Start now: the lists are snapshotted and sending begins',
    description:
      "409 MISSING_VARIABLES when recipients lack a template variable, unless missingVariables is 'skip' or 'blank'.",
  })
  start(@Param('id', ParseIntPipe) id: number, @Body() dto: StartCampaignDto, @RequestActor() actor: Actor) {
    return this.lifecycle.start(id, dto, actor);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign paused')
  @ApiOperation({ summary: 'Pause after the message being sent now' })
  pause(@Param('id', ParseIntPipe) id: number, @Body() dto: PauseCampaignDto, @RequestActor() actor: Actor) {
    return this.lifecycle.pause(id, dto, actor);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign resumed')
  @ApiOperation({ summary: 'Resume a paused campaign (also one WhatsApp made pause)' })
  resume(@Param('id', ParseIntPipe) id: number, @RequestActor() actor: Actor) {
    return this.lifecycle.resume(id, actor);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Campaign cancelled')
  @ApiOperation({ summary: 'Cancel; recipients not sent yet are marked skipped' })
  cancel(@Param('id', ParseIntPipe) id: number, @RequestActor() actor: Actor) {
    return this.lifecycle.cancel(id, actor);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Recipients queued again')
  @ApiOperation({ summary: "Send again to failed recipients (and those marked 'review' with includeReview)" })
  retry(@Param('id', ParseIntPipe) id: number, @Body() dto: RetryCampaignDto, @RequestActor() actor: Actor) {
    return this.lifecycle.retry(id, dto, actor);
  }

  @Get(':id/progress')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Campaign progress')
  @ApiOperation({
    summary:
      'Recipients per status, rate per minute, ETA, and what the sender waits for (also pushed over /ws)',
  })
  getProgress(@Param('id', ParseIntPipe) id: number) {
    return this.progress.view(id);
  }

  @Get(':id/recipients')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Campaign recipients retrieved successfully')
  @ApiOperation({ summary: 'Per-recipient status, attempts, WhatsApp message id and error' })
  async recipients(@Param('id', ParseIntPipe) id: number, @Query() query: CampaignRecipientQueryDto) {
    await this.campaigns.row(id);
    return this.report.page(id, query);
  }

  @Get(':id/report')
  @Roles(...OPERATOR_ROLES)
  @RawResponse()
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'Per-recipient outcomes as CSV (formula-safe cells)' })
  async csvReport(
    @Param('id', ParseIntPipe) id: number,
    @RequestActor() actor: Actor,
  ): Promise<StreamableFile> {
    await this.campaigns.row(id);
    await this.activity.record({
      ...audited(actor),
      action: 'campaign.report_exported',
      targetType: 'campaign',
      targetId: id,
    });
    const csv = stringify();
    pipeline(Readable.from(this.report.csvRows(id)), csv, () => undefined);
    return new StreamableFile(csv, {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="campaign-${id}.csv"`,
    });
  }
}
