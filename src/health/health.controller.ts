import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import { HealthService, type HealthReport } from './health.service';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ResponseMessage('Health check')
  @ApiOperation({ summary: 'Database reachability, sessions summary, uptime and memory' })
  @ApiOkResponse({ description: 'Everything the gateway needs answers' })
  @ApiServiceUnavailableResponse({ description: 'The database (or another dependency) is unreachable' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthReport> {
    const report = await this.health.report();
    if (report.status !== 'ok') res.status(503);
    return report;
  }
}
