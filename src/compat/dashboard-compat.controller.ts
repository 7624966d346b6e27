import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestActor, seesCredentials, type Actor } from '../auth/actor';
import { ANY_ROLE, OPERATOR_ROLES, Roles } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import { DashboardStats } from '../dashboard/dashboard-stats.service';
import { maskedWebhookUrl } from '../outbox/webhook-settings';
import { UpdateWebhookConfigDto } from '../webhooks/dto/webhook-config.dto';
import { WebhookConfigService, type WebhookConfigView } from '../webhooks/webhook-config.service';
import { WebhookTester } from '../webhooks/webhook-tester';

/** The seed's webhook block: url, timeout, maxRetries, retryDelay (plus a rotated secret, once). */
const seedWebhook = (view: WebhookConfigView & { newSecret?: string }) => ({
  url: view.url,
  timeout: view.timeout,
  maxRetries: view.maxRetries,
  retryDelay: view.retryDelay,
  ...(view.newSecret ? { newSecret: view.newSecret } : {}),
});

/** The first seed's /api/dashboard routes and shapes, now behind auth. */
@ApiTags('compat: seed dashboard')
@Controller('api/dashboard')
export class DashboardCompatController {
  constructor(
    private readonly dashboard: DashboardStats,
    private readonly config: WebhookConfigService,
    private readonly tester: WebhookTester,
  ) {}

  @Get('stats')
  @Roles(...ANY_ROLE)
  @ResponseMessage('System statistics retrieved successfully')
  @ApiOperation({ summary: 'whatsapp, database, webhook, uptime, memory (+ messages, webhookDeliveries)' })
  stats(@RequestActor() actor: Actor) {
    return this.dashboard.stats(seesCredentials(actor));
  }

  @Post('webhook/test')
  @HttpCode(200)
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Webhook test completed')
  @ApiOperation({ summary: "Send a signed test event to the global URL and report the receiver's answer" })
  test() {
    return this.tester.send();
  }

  @Get('webhook/config')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Webhook configuration retrieved successfully')
  @ApiOperation({
    summary: 'url, timeout, maxRetries, retryDelay (a viewer sees only the origin of the url)',
  })
  async getConfig(@RequestActor() actor: Actor) {
    const view = seedWebhook(await this.config.view());
    return seesCredentials(actor) ? view : { ...view, url: maskedWebhookUrl(view.url) };
  }

  @Put('webhook/config')
  @Roles(...OPERATOR_ROLES)
  @ResponseMessage('Webhook configuration updated successfully')
  @ApiOperation({
    summary: 'Change url, timeout, maxRetries, retryDelay (and events, secret as in /api/v1/webhooks/config)',
  })
  async updateConfig(@Body() dto: UpdateWebhookConfigDto, @RequestActor() actor: Actor) {
    return seedWebhook(await this.config.update(dto, actor));
  }
}
