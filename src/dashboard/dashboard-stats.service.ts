import { Injectable } from '@nestjs/common';
import { MessageQueries } from '../messages/message-queries.service';
import { WebhookDeliveries } from '../outbox/webhook-deliveries';
import { maskedWebhookUrl, WebhookSettings } from '../outbox/webhook-settings';
import { SessionRepository } from '../whatsapp/session.repository';
import { WhatsAppPort } from '../whatsapp/whatsapp.port';

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
    private readonly sessionRecords: SessionRepository,
    private readonly messages: MessageQueries,
    private readonly whatsapp: WhatsAppPort,
    private readonly settings: WebhookSettings,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  /** The statistics; the webhook URL is masked to its origin unless `withCredentials`. */
  async stats(withCredentials = false): Promise<DashboardStatsView> {
    const [sessions, messageGroups, webhookDeliveries, config] = await Promise.all([
      this.sessionRecords.statuses(),
      this.messages.countsByTypeAndDirection(),
      this.deliveries.summary(),
      this.settings.config(),
    ]);
    // The live state where this process holds the socket, the stored one for sessions held elsewhere.
    const live = sessions.map((s) => this.whatsapp.statusOf(s.id) ?? s.status);
    const liveCount = (...statuses: string[]) => live.filter((s) => statuses.includes(s)).length;
    const byType: Record<string, number> = {};
    const byDirection = { inbound: 0, outbound: 0 };
    let total = 0;
    for (const group of messageGroups) {
      byType[group.type] = (byType[group.type] ?? 0) + group.count;
      byDirection[group.direction] += group.count;
      total += group.count;
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
        url: withCredentials ? config.url : maskedWebhookUrl(config.url),
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
