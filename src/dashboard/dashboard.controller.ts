import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestActor, seesCredentials, type Actor } from '../auth/actor';
import { ANY_ROLE, Roles } from '../auth/decorators';
import { ResponseMessage } from '../common/response.decorators';
import { DashboardStats } from './dashboard-stats.service';

@ApiTags('dashboard')
@Controller('api/v1/dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardStats) {}

  @Get('stats')
  @Roles(...ANY_ROLE)
  @ResponseMessage('System statistics retrieved successfully')
  @ApiOperation({
    summary: 'Sessions, messages (by type and direction), webhook deliveries, uptime and memory',
  })
  stats(@RequestActor() actor: Actor) {
    return this.dashboard.stats(seesCredentials(actor));
  }
}
