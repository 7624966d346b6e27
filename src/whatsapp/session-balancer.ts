import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConnectionRegistry } from './connection-registry';
import type { ClusterView } from './gateway-instances';
import { SessionLeases } from './session-leases';

/**
 * Balanced sessions across the gateway processes sharing a database. A process's fair share is the
 * sessions that want to be connected divided by the live processes (heartbeats), rounded up. At
 * each supervision pass it opens free sessions only up to its share, and above its share it hands
 * sessions over (close, keys stored, lease freed; the next holder opens them with the saved
 * credentials, no QR). Against thrash: it moves only above the rounded-up share (hysteresis), at
 * most SESSION_BALANCE_MOVES per pass, only connected sessions it has held for at least
 * SESSION_BALANCE_MIN_HOLD_SECONDS. A session left free for a whole lease (a peer that counts as live
 * but does not open it) is opened by whoever sees it, share or not.
 */
@Injectable()
export class SessionBalancer {
  private readonly logger = new Logger(SessionBalancer.name);
  /** When this process first saw each session it holds. */
  private readonly heldSince = new Map<string, number>();
  /** When this process first saw each free session (still free) in a pass. */
  private readonly freeSince = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly registry: ConnectionRegistry,
    private readonly leases: SessionLeases,
  ) {}

  /**
   * Of the free sessions, the ones to open now; hands over the surplus first. `view` is this
   * pass's heartbeat reading.
   */
  async balance(view: ClusterView, claimable: string[]): Promise<string[]> {
    const now = Date.now();
    const held = this.registry.heldSessionIds();
    this.track(this.heldSince, held, now);
    this.track(this.freeSince, claimable, now);
    if (!this.config.SESSION_BALANCE) return claimable;
    const share = Math.ceil((await this.leases.wantedCount()) / Math.max(1, view.live));
    if (held.length > share) await this.handOverSurplus(held, held.length - share, now);
    const room = Math.max(0, share - held.length);
    const overdueAfter = this.config.SESSION_LEASE_SECONDS * 1000;
    const overdue = claimable.filter((id) => now - (this.freeSince.get(id) ?? now) >= overdueAfter);
    const open = new Set([...claimable.slice(0, room), ...overdue]);
    return claimable.filter((id) => open.has(id));
  }

  private async handOverSurplus(held: string[], surplus: number, now: number): Promise<void> {
    const minHoldMs = this.config.SESSION_BALANCE_MIN_HOLD_SECONDS * 1000;
    const movable = held
      .filter((id) => this.registry.statusOf(id) === 'connected')
      .filter((id) => now - (this.heldSince.get(id) ?? now) >= minHoldMs)
      .sort((x, y) => this.heldSince.get(x)! - this.heldSince.get(y)! || x.localeCompare(y))
      .slice(0, Math.min(surplus, this.config.SESSION_BALANCE_MOVES));
    for (const id of movable) {
      this.logger.log(`Handing session ${id} over to another gateway process (above this one's share)`);
      try {
        await this.registry.handOver(id);
      } catch (error) {
        this.logger.error({ err: error, sessionId: id }, 'Could not hand a session over');
      }
    }
  }

  /** Keeps `since` to exactly `ids`, stamping the new ones. */
  private track(since: Map<string, number>, ids: string[], now: number): void {
    const present = new Set(ids);
    for (const id of since.keys()) if (!present.has(id)) since.delete(id);
    for (const id of ids) if (!since.has(id)) since.set(id, now);
  }
}
