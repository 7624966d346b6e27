import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConnectionRegistry } from './connection-registry';
import { GatewayInstances } from './gateway-instances';
import { SessionBalancer } from './session-balancer';
import { SessionLeases } from './session-leases';
import { SessionRestore } from './session-restore';
import { SessionRepository } from './session.repository';
import { shutdownWait } from '../common/process-faults';

/**
 * Keeps the registry in step with the database: on start and then on every tick it renews this
 * process's leases (dropping sessions another process took over), opens every session that wants
 * to be connected and that nobody holds (restarts, a dead peer's sessions; a bounded number at a time,
 * see SessionRestore), and restarts sessions
 * idle for longer than SESSION_TIMEOUT_HOURS. Each pass also writes this process's heartbeat, and
 * the balancer keeps this process to its fair share of the sessions (SessionBalancer).
 */
@Injectable()
export class SessionSupervisor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SessionSupervisor.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly sessions: SessionRepository,
    private readonly registry: ConnectionRegistry,
    private readonly leases: SessionLeases,
    private readonly instances: GatewayInstances,
    private readonly balancer: SessionBalancer,
    private readonly restore: SessionRestore,
  ) {}

  onApplicationBootstrap(): void {
    const everyMs = Math.min(5_000, (this.config.SESSION_LEASE_SECONDS * 1000) / 3);
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref();
    void this.tick();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A pass waits for the database; while it is down, shutdown does not wait for it.
    await Promise.race([this.running, shutdownWait(1_000)]);
  }

  /** One pass; concurrent calls share the pass in progress. */
  tick(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: unknown) => this.logger.error({ err: error }, 'Session supervision failed'))
      .finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<void> {
    const view = await this.instances.beat();
    const held = this.registry.heldSessionIds();
    const stillHeld = await this.leases.renew(held);
    for (const id of held.filter((h) => !stillHeld.has(h))) {
      this.logger.warn(`Lost the lease of session ${id}; another process holds it now`);
      await this.registry.abandon(id);
    }
    await this.applyStopRequests();
    await this.restartIdle();
    const claimable = await this.balancer.balance(
      view,
      await this.leases.claimable(this.registry.heldSessionIds()),
    );
    // Opened in the background, SESSION_RESTORE_CONCURRENCY at a time (SessionRestore): the next
    // passes renew leases and heartbeats meanwhile.
    this.restore.enqueue(claimable);
  }

  /** Disconnects and logouts asked through another process (written on the session's row). */
  private async applyStopRequests(): Promise<void> {
    for (const row of await this.sessions.stopRequests(this.registry.heldSessionIds())) {
      try {
        if (row.logoutRequestedAt) await this.registry.logout(row.id);
        else await this.registry.disconnect(row.id, 'disconnected by request');
      } catch (error) {
        this.logger.error({ err: error, sessionId: row.id }, 'Could not stop a session asked to stop');
      }
    }
  }

  private async startQuietly(sessionId: string): Promise<void> {
    try {
      await this.registry.connect(sessionId, { ifWanted: true });
    } catch (error) {
      this.logger.error({ err: error, sessionId }, 'Could not start session');
    }
  }

  private async restartIdle(): Promise<void> {
    const hours = this.config.SESSION_TIMEOUT_HOURS;
    const held = this.registry.heldSessionIds().filter((id) => this.registry.statusOf(id) === 'connected');
    if (hours <= 0 || held.length === 0) return;
    const idle = await this.sessions.idleSince(held, new Date(Date.now() - hours * 3_600_000));
    for (const id of idle) {
      this.logger.log(`Session ${id} had no WhatsApp traffic for ${hours} h; restarting its connection`);
      await this.registry.disconnect(id, 'idle timeout: restarting', { keepWanted: true });
      await this.startQuietly(id);
    }
  }
}
