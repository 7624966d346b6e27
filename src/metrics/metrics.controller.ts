import { Controller, Get, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/decorators';
import { DomainError } from '../common/errors';
import { RawResponse } from '../common/response.decorators';
import { AppConfig } from '../config/app-config';
import { metricsAccess } from './metrics-access';
import { MetricsExposition } from './metrics-exposition';

@ApiTags('metrics')
@Controller()
export class MetricsController {
  constructor(
    private readonly exposition: MetricsExposition,
    private readonly config: AppConfig,
  ) {}

  /** Public to the user guards: METRICS_TOKEN is its own credential, checked here. */
  @Get('metrics')
  @Public()
  @RawResponse()
  @ApiOperation({
    summary:
      'Prometheus metrics (text format) with `Authorization: Bearer <METRICS_TOKEN>`; 404 when no token is ' +
      'configured or METRICS_PORT serves them instead, 401 without the right token',
  })
  @ApiProduces('text/plain')
  async metrics(@Req() req: Request, @Res() res: Response): Promise<void> {
    const verdict = metricsAccess(this.config, 'api', req.headers.authorization);
    // Exactly what any unknown path answers: nothing tells that metrics exist.
    if (verdict === 'not_found') throw new NotFoundException(`Cannot GET ${req.path}`);
    if (verdict === 'unauthorized') {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new DomainError('UNAUTHORIZED', 'A valid metrics token is required');
    }
    res.setHeader('Cache-Control', 'no-store');
    res.type(this.exposition.contentType).send(await this.exposition.text());
  }
}
