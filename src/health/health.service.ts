import { Injectable } from '@nestjs/common';
import { unhandledRejectionCount } from '../common/process-faults';
import { Database } from '../prisma/database';

/** A part of the app that adds its own section to the health details (e.g. the webhook dispatcher's backlog). */
export type HealthContributor = () => Promise<unknown> | unknown;
/** A part of the app that can say the gateway works, but not fully (e.g. messages going to the journal). */
export type DegradationCheck = () => string | null;

export type HealthStatus = 'ok' | 'degraded' | 'down';

/** The public answer of GET /health: how the gateway is, and nothing about its insides. */
export interface Liveness {
  status: HealthStatus;
  /** Only in sandbox mode, so the admin SPA can say so on its login page. */
  sandbox?: { enabled: true };
}

export interface HealthReport {
  status: HealthStatus;
  /** Why the status is not ok (e.g. `database unreachable`, `messages are journaled`). */
  reasons: string[];
  database: { reachable: boolean };
  uptime: number;
  memory: NodeJS.MemoryUsage;
  process: { unhandledRejections: number };
  [section: string]: unknown;
}

interface Section {
  contributor: HealthContributor;
  /** Read from the database: null while it is unreachable, instead of an error. */
  needsDatabase: boolean;
}

/**
 * The database is pinged with this limit: an outage shows in /health within about a second
 * (a dead pool would otherwise make the ping wait for its own acquire timeout).
 */
const PING_TIMEOUT_MS = 1_000;

/**
 * Health: a minimal public liveness (GET /health: ok, degraded or down) and the details behind a
 * login (GET /api/v1/health/details): the database's reachability, uptime, memory, the process's
 * unhandled rejections and what each part registers.
 */
@Injectable()
export class HealthService {
  private readonly sections = new Map<string, Section>();
  private readonly checks = new Map<string, DegradationCheck>();
  private sandbox = false;

  constructor(private readonly database: Database) {}

  /** Lets another module report under its own key in the health details. */
  register(section: string, contributor: HealthContributor, options: { needsDatabase?: boolean } = {}): void {
    this.sections.set(section, { contributor, needsDatabase: options.needsDatabase ?? false });
  }

  /** Lets another module turn the status to `degraded` (its check returns the reason, or null). */
  registerCheck(name: string, check: DegradationCheck): void {
    this.checks.set(name, check);
  }

  /** Sandbox mode says so in the public answer (the admin SPA's login page shows it). */
  markSandbox(): void {
    this.sandbox = true;
  }

  async liveness(): Promise<Liveness> {
    const { status } = await this.status();
    return { status, ...(this.sandbox ? { sandbox: { enabled: true as const } } : {}) };
  }

  async report(): Promise<HealthReport> {
    const { status, reasons, reachable } = await this.status();
    const report: HealthReport = {
      status,
      reasons,
      database: { reachable },
      uptime: Math.round(process.uptime()),
      memory: process.memoryUsage(),
      process: { unhandledRejections: unhandledRejectionCount() },
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

  private async status(): Promise<{ status: HealthStatus; reasons: string[]; reachable: boolean }> {
    const reachable = await this.database.isReachable(PING_TIMEOUT_MS);
    const reasons = reachable ? [] : ['database unreachable'];
    for (const check of this.checks.values()) {
      const reason = check();
      if (reason) reasons.push(reason);
    }
    const status = !reachable ? 'down' : reasons.length > 0 ? 'degraded' : 'ok';
    return { status, reasons, reachable };
  }
}
