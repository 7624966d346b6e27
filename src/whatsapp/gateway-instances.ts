import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import type { ClusterPort } from './whatsapp.port';
import { shutdownWait } from '../common/process-faults';

/**
 * Where a pid means something: the kernel's boot id and the PID namespace (Linux). Two processes
 * that see the same value see the same process table, so one may ask the kernel whether the other
 * is still alive. Null elsewhere (no early takeover then).
 */
export function machineIdentity(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = readlinkSync('/proc/self/ns/pid');
    return boot && pidNamespace ? `${boot}/${pidNamespace}`.slice(0, 128) : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists in our PID namespace (EPERM: it exists, not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ClusterView {
  /** Processes whose heartbeat is younger than a lease, this one included (at least 1). */
  live: number;
  /** Boot ids of holders proven dead: on this machine, their pid gone (their leases may be taken now). */
  deadBoots: string[];
}

/**
 * The heartbeats of the gateway processes sharing the database (`gateway_instances`). Each process
 * writes its row at every supervision pass and removes it at a clean shutdown. A row younger than
 * SESSION_LEASE_SECONDS is a live process (the balancer's divisor). A row of another boot on this
 * machine (same kernel boot and PID namespace) whose pid no longer exists is a dead process, even
 * while its leases have not run out: SessionLeases lets those leases be taken at once. A pid reused
 * by another program only delays that (the lease then runs out as before); it never lets two live
 * processes hold one session.
 */
@Injectable()
export class GatewayInstances implements ClusterPort, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(GatewayInstances.name);
  readonly bootId = randomUUID();
  private readonly machine = machineIdentity();
  private readonly startedAt = new Date();
  private deadBoots: string[] = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  get id(): string {
    return this.config.INSTANCE_ID!;
  }

  /** Registered before anything can take a lease, so others see this process from the start. */
  async onModuleInit(): Promise<void> {
    await this.beat().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'Could not write the first heartbeat; retried at every pass'),
    );
  }

  async onModuleDestroy(): Promise<void> {
    // While the database is down (the last heartbeat failed) shutdown does not wait for it: the row
    // then simply ages out like a dead process's.
    if (!this.lastBeatOk) return;
    // Leases are released by the registry; without this row the others' share grows at once.
    await Promise.race([
      this.prisma.gatewayInstance.deleteMany({ where: { id: this.id, bootId: this.bootId } }),
      shutdownWait(1_000),
    ]).catch(() => undefined);
  }

  /** The last heartbeat reached the database. */
  private lastBeatOk = false;

  /** Holders proven dead at the last pass (see the class comment). */
  provenDead(): string[] {
    return this.deadBoots;
  }

  /** Live processes (this one included) at the last heartbeat that reached the database. */
  liveProcesses(): number {
    return this.live;
  }

  private live = 1;

  /** Writes this process's heartbeat and reads the others'. */
  async beat(): Promise<ClusterView> {
    this.lastBeatOk = false;
    await this.warnOnSharedId();
    await this.prisma.$executeRaw`
      INSERT INTO gateway_instances (id, boot_id, host, machine, pid, started_at, heartbeat_at)
      VALUES (${this.id}, ${this.bootId}, ${hostname().slice(0, 255)}, ${this.machine}, ${process.pid},
              ${this.startedAt}, NOW(3))
      ON DUPLICATE KEY UPDATE boot_id = VALUES(boot_id), host = VALUES(host), machine = VALUES(machine),
        pid = VALUES(pid), started_at = VALUES(started_at), heartbeat_at = NOW(3)`;
    const rows = await this.prisma.$queryRaw<
      { id: string; boot_id: string; machine: string | null; pid: number; fresh: number | bigint }[]
    >`
      SELECT id, boot_id, machine, pid,
        heartbeat_at > NOW(3) - INTERVAL ${this.config.SESSION_LEASE_SECONDS} SECOND AS fresh
      FROM gateway_instances`;
    const dead = rows.filter(
      (r) =>
        r.boot_id !== this.bootId &&
        this.machine !== null &&
        r.machine === this.machine &&
        r.pid !== process.pid &&
        !pidAlive(r.pid),
    );
    this.deadBoots = dead.map((r) => r.boot_id);
    const deadIds = new Set(dead.map((r) => r.id));
    const live =
      rows.filter((r) => Number(r.fresh) === 1 && !deadIds.has(r.id) && r.id !== this.id).length + 1;
    this.live = live;
    await this.prune();
    this.lastBeatOk = true;
    return { live, deadBoots: this.deadBoots };
  }

  /**
   * Two live processes with one INSTANCE_ID would both take the leases it owns: said loudly (the row
   * names the other process) whenever the row was last written by another live boot.
   */
  private async warnOnSharedId(): Promise<void> {
    const row = await this.prisma.gatewayInstance.findUnique({ where: { id: this.id } });
    if (!row || row.bootId === this.bootId) return;
    const fresh = Date.now() - row.heartbeatAt.getTime() < this.config.SESSION_LEASE_SECONDS * 1000;
    const deadHere = this.machine !== null && row.machine === this.machine && !pidAlive(row.pid);
    if (fresh && !deadHere && row.pid !== process.pid)
      this.logger.error(
        `INSTANCE_ID ${this.id} is also used by a live process (pid ${row.pid} on ${row.host}): ` +
          'every gateway process needs its own INSTANCE_ID (leave it unset for host-pid)',
      );
  }

  /** Rows silent for ten leases are forgotten (their leases ran out long ago). */
  private async prune(): Promise<void> {
    await this.prisma.$executeRaw`
      DELETE FROM gateway_instances
      WHERE heartbeat_at < NOW(3) - INTERVAL ${this.config.SESSION_LEASE_SECONDS * 10} SECOND`;
  }
}
