import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { WebhookDeliveries } from '../webhooks/webhook-deliveries.service';
import { WebhookSettings } from '../webhooks/webhook-settings';
import { ConnectionRegistry } from '../whatsapp/connection-registry';

/** The seed's system statistics, plus message counts by type and direction and webhook success. */
export interface DashboardStatsView {
  whatsapp: {
    totalAccounts: number;
    connectedAccounts: number;
    disconnectedAccounts: number;
    qrPendingAccounts: number;
    connectingAccounts: number;
    isInitialized: boolean;
  };
  database: {
    totalAccounts: number;
    connectedAccounts: number;
    totalMessages: number;
    pendingWebhooks: number;
  };
  webhook: { url: string | null; timeout: number; maxRetries: number; retryDelay: number };
  uptime: number;
  memory: NodeJS.MemoryUsage;
  messages: {
    total: number;
    byType: Record<string, number>;
    byDirection: { inbound: number; outbound: number };
  };
  webhookDeliveries: { pending: number; delivered: number; dead: number; successRate: number | null };
}

@Injectable()
export class DashboardStats {
  constructor(
    private readonly prisma: PrismaService,
    private readonly registry: ConnectionRegistry,
    private readonly settings: WebhookSettings,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  async stats(): Promise<DashboardStatsView> {
    const [sessions, messageGroups, webhookDeliveries, config] = await Promise.all([
      this.prisma.whatsappSession.findMany({ select: { id: true, status: true } }),
      this.prisma.message.groupBy({ by: ['type', 'direction'], _count: { _all: true } }),
      this.deliveries.summary(),
      this.settings.config(),
    ]);
    // The live state where this process holds the socket, the stored one for sessions held elsewhere.
    const live = sessions.map((s) => this.registry.statusOf(s.id) ?? s.status);
    const liveCount = (...statuses: string[]) => live.filter((s) => statuses.includes(s)).length;
    const byType: Record<string, number> = {};
    const byDirection = { inbound: 0, outbound: 0 };
    let total = 0;
    for (const group of messageGroups) {
      byType[group.type] = (byType[group.type] ?? 0) + group._count._all;
      byDirection[group.direction] += group._count._all;
      total += group._count._all;
    }
    return {
      whatsapp: {
        totalAccounts: sessions.length,
        connectedAccounts: liveCount('connected'),
        disconnectedAccounts: liveCount('disconnected', 'logged_out'),
        qrPendingAccounts: liveCount('qr_pending'),
        connectingAccounts: liveCount('connecting'),
        isInitialized: true,
      },
      database: {
        totalAccounts: sessions.length,
        connectedAccounts: sessions.filter((s) => s.status === 'connected').length,
        totalMessages: total,
        pendingWebhooks: webhookDeliveries.pending,
      },
      webhook: {
        url: config.url,
        timeout: config.timeout,
        maxRetries: config.maxRetries,
        retryDelay: config.retryDelay,
      },
      uptime: Math.round(process.uptime()),
      memory: process.memoryUsage(),
      messages: { total, byType, byDirection },
      webhookDeliveries,
    };
  }
}
