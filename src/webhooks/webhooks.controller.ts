import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ActivityService, audited } from '../activity/activity.service';
import { RequestActor, type Actor } from '../auth/actor';
import { OPERATOR_ROLES, Roles } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import { WebhookDeliveries } from '../outbox/webhook-deliveries';
import { DeliveriesQuery, RetryDeadDto } from './dto/deliveries-query.dto';
import { RotateSessionSecretDto, UpdateWebhookConfigDto, WebhookTestDto } from './dto/webhook-config.dto';
import { WebhookConfigService } from './webhook-config.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookTester } from './webhook-tester';

@ApiTags('webhooks')
@Roles(...OPERATOR_ROLES)
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly config: WebhookConfigService,
    private readonly deliveries: WebhookDeliveries,
    private readonly dispatcher: WebhookDispatcher,
    private readonly tester: WebhookTester,
    private readonly activity: ActivityService,
  ) {}

  @Get('config')
  @ResponseMessage('Webhook configuration retrieved successfully')
  @ApiOperation({ summary: 'The global webhook config (the secret only as a fingerprint)' })
  getConfig() {
    return this.config.view();
  }

  @Put('config')
  @ResponseMessage('Webhook configuration updated successfully')
  @ApiOperation({
    summary: 'Change the global config; rotateSecret/secret answer with `newSecret`, shown once',
  })
  updateConfig(@Body() dto: UpdateWebhookConfigDto, @RequestActor() actor: Actor) {
    return this.config.update(dto, actor);
  }

  @Post('test')
  @HttpCode(200)
  @ResponseMessage('Webhook test completed')
  @ApiOperation({ summary: "Send a signed test event and report the receiver's status, body and latency" })
  test(@Body() dto: WebhookTestDto) {
    return this.tester.send(dto);
  }

  @Get('sessions/:id/secret')
  @ResponseMessage('Session webhook secret described')
  @ApiOperation({ summary: "A session's own signing secret as its fingerprint (never the secret itself)" })
  sessionSecret(@Param('id') id: string) {
    return this.config.sessionSecret(id);
  }

  @Post('sessions/:id/secret')
  @HttpCode(200)
  @ResponseMessage('Session webhook secret rotated: copy it now, it is not shown again')
  @ApiOperation({
    summary:
      "Replace a session's own signing secret (used with its own webhook URL); answers it once, with its fingerprint",
  })
  rotateSessionSecret(
    @Param('id') id: string,
    @Body() dto: RotateSessionSecretDto,
    @RequestActor() actor: Actor,
  ) {
    return this.config.rotateSessionSecret(id, dto.secret, actor);
  }

  @Get('deliveries')
  @ResponseMessage('Deliveries retrieved successfully')
  @ApiOperation({ summary: 'Outbox rows, newest first, filtered by status, event, session and time' })
  list(@Query() query: DeliveriesQuery) {
    const { limit, offset, ...filter } = query;
    return this.deliveries.list(filter, { limit, offset });
  }

  @Post('deliveries/retry-dead')
  @HttpCode(200)
  @ResponseMessage('Dead deliveries queued again')
  @ApiOperation({ summary: 'Every dead delivery (optionally of one session or event) back to pending' })
  async retryDead(@Body() dto: RetryDeadDto, @RequestActor() actor: Actor) {
    const retried = await this.deliveries.retryDead(dto);
    await this.activity.record({
      ...audited(actor),
      action: 'webhook.retried',
      targetType: 'webhook',
      targetId: 'dead',
      metadata: { retried, sessionId: dto.sessionId ?? null, event: dto.event ?? null },
    });
    this.dispatcher.wake();
    return { retried };
  }

  @Get('deliveries/:ref')
  @ResponseMessage('Delivery retrieved successfully')
  @ApiOperation({ summary: 'One delivery by id or delivery id, with its payload' })
  get(@Param('ref') ref: string) {
    return this.deliveries.get(ref);
  }

  @Post('deliveries/:ref/retry')
  @HttpCode(200)
  @ResponseMessage('Delivery queued again')
  @ApiOperation({ summary: 'Send a dead delivery again with a fresh retry budget (409 unless dead)' })
  async retryOne(@Param('ref') ref: string, @RequestActor() actor: Actor) {
    const delivery = await this.deliveries.retryOne(ref);
    await this.activity.record({
      ...audited(actor),
      action: 'webhook.retried',
      targetType: 'webhook_delivery',
      targetId: delivery.deliveryId,
      metadata: { event: delivery.event, sessionId: delivery.sessionId },
    });
    this.dispatcher.wake();
    return delivery;
  }
}
