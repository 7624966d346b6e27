import { Injectable } from '@nestjs/common';
import { Database } from '../prisma/database';

/** A part of the app that adds its own section to /health (e.g. the webhook dispatcher's backlog). */
export type HealthContributor = () => Promise<unknown> | unknown;

export interface HealthReport {
  status: 'ok' | 'unavailable';
  database: { reachable: boolean };
  uptime: number;
  memory: NodeJS.MemoryUsage;
  [section: string]: unknown;
}

interface Section {
  contributor: HealthContributor;
  /** Read from the database: null while it is unreachable, instead of an error. */
  needsDatabase: boolean;
}

/** GET /health: the database's reachability, uptime and memory, and what each part registers. */
@Injectable()
export class HealthService {
  private readonly sections = new Map<string, Section>();

  constructor(private readonly database: Database) {}

  /** Lets another module report under its own key in /health. */
  register(section: string, contributor: HealthContributor, options: { needsDatabase?: boolean } = {}): void {
    this.sections.set(section, { contributor, needsDatabase: options.needsDatabase ?? false });
  }

  async report(): Promise<HealthReport> {
    const reachable = await this.database.isReachable();
    const report: HealthReport = {
      status: reachable ? 'ok' : 'unavailable',
      database: { reachable },
      uptime: Math.round(process.uptime()),
      memory: process.memoryUsage(),
    };
    for (const [name, { contributor, needsDatabase }] of this.sections) {
      if (needsDatabase && !reachable) {
        report[name] = null;
        continue;
      }
      try {
        report[name] = await contributor();
      } catch {
        report[name] = { error: 'unavailable' };
      }
    }
    return report;
  }
}
