import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ANY_ROLE, Public, Roles } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import { HealthService, type HealthReport, type Liveness } from './health.service';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Public, for load balancers and container checks: nothing about the gateway's insides. */
  @Get('health')
  @Public()
  @ResponseMessage('Health check')
  @ApiOperation({
    summary: 'Liveness: ok, degraded (works, not fully) or down (503: the database is unreachable)',
  })
  @ApiOkResponse({ description: 'ok or degraded' })
  @ApiServiceUnavailableResponse({ description: 'The database is unreachable' })
  async check(@Res({ passthrough: true }) res: Response): Promise<Liveness> {
    const liveness = await this.health.liveness();
    if (liveness.status === 'down') res.status(503);
    return liveness;
  }

  @Get('api/v1/health/details')
  @Roles(...ANY_ROLE)
  @ResponseMessage('Health details')
  @ApiOperation({
    summary:
      'Database reachability, sessions, message capture, webhooks, uptime, memory, unhandled rejections',
  })
  @ApiOkResponse({ description: 'The details (200 even when the status is down)' })
  details(): Promise<HealthReport> {
    return this.health.report();
  }
}
