import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DatabaseMetrics } from './database-metrics';
import { ProcessMetrics } from './process-metrics';

/** The text Prometheus scrapes: this process's metrics, then the database's gauges. */
@Injectable()
export class MetricsExposition {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  constructor(
    private readonly process: ProcessMetrics,
    private readonly database: DatabaseMetrics,
  ) {}

  async text(): Promise<string> {
    await this.database.refresh();
    // Two registries, because only this process's series carry the gateway_instance label.
    const [own, shared] = await Promise.all([this.process.registry.metrics(), this.database.text()]);
    return own + shared;
  }
}
