import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { ApiErrorBody } from '../common/api-envelope';
import { AppConfig } from '../config/app-config';
import { metricsAccess } from './metrics-access';
import { MetricsExposition } from './metrics-exposition';

/**
 * /metrics on its own port (METRICS_PORT on METRICS_HOST, loopback by default), away from the API
 * and its middleware; the same METRICS_TOKEN is required there. Nothing else is served.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MetricsServer.name);
  private server: Server | null = null;

  constructor(
    private readonly exposition: MetricsExposition,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.METRICS_PORT === 0) return;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.METRICS_PORT, this.config.METRICS_HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`Metrics on http://${this.config.METRICS_HOST}:${this.config.METRICS_PORT}/metrics`);
  }

  /** The address it listens on (tests ask for port 0 and read the one given). */
  address(): { host: string; port: number } | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? { host: address.address, port: address.port } : null;
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD'))
      return this.error(res, 404, 'NOT_FOUND', `Cannot ${req.method} ${path}`);
    const verdict = metricsAccess(this.config, 'own', req.headers.authorization);
    if (verdict === 'not_found') return this.error(res, 404, 'NOT_FOUND', `Cannot ${req.method} ${path}`);
    if (verdict === 'unauthorized') {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return this.error(res, 401, 'UNAUTHORIZED', 'A valid metrics token is required');
    }
    try {
      const text = await this.exposition.text();
      res.writeHead(200, { 'content-type': this.exposition.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (error) {
      this.logger.error({ err: error }, 'Metrics could not be produced');
      this.error(res, 500, 'INTERNAL_ERROR', 'Internal server error');
    }
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    const body: ApiErrorBody = { success: false, message, code, timestamp: new Date().toISOString() };
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }
}
