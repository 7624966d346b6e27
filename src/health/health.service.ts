import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

/** A part of the app that adds its own section to /health (e.g. the webhook dispatcher's backlog). */
export type HealthContributor = () => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface HealthReport {
  status: 'ok' | 'unavailable';
  database: { reachable: boolean };
  sessions: Record<string, number> | null;
  uptime: number;
  memory: NodeJS.MemoryUsage;
  [section: string]: unknown;
}

@Injectable()
export class HealthService {
  private readonly contributors = new Map<string, HealthContributor>();

  constructor(private readonly prisma: PrismaService) {}

  /** Lets another module report under its own key in /health. */
  register(section: string, contributor: HealthContributor): void {
    this.contributors.set(section, contributor);
  }

  async report(): Promise<HealthReport> {
    const reachable = await this.prisma.isReachable();
    const report: HealthReport = {
      status: reachable ? 'ok' : 'unavailable',
      database: { reachable },
      sessions: reachable ? await this.sessionSummary() : null,
      uptime: Math.round(process.uptime()),
      memory: process.memoryUsage(),
    };
    for (const [section, contributor] of this.contributors) {
      try {
        report[section] = await contributor();
      } catch {
        report[section] = { error: 'unavailable' };
      }
    }
    return report;
  }

  private async sessionSummary(): Promise<Record<string, number>> {
    const groups = await this.prisma.whatsappSession.groupBy({ by: ['status'], _count: { _all: true } });
    const summary: Record<string, number> = { total: 0 };
    for (const group of groups) {
      summary[group.status] = group._count._all;
      summary.total += group._count._all;
    }
    return summary;
  }
}
