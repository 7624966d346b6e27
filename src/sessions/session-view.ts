import type { SessionWebhook } from '../outbox/session-webhooks';
import type { SessionRecord } from '../whatsapp/session.repository';

/** A session as the API shows it; `status` is the live state when this process holds the socket. */
export interface SessionView {
  id: string;
  name: string;
  status: string;
  phoneNumber: string | null;
  jid: string | null;
  pushName: string | null;
  hasQrCode: boolean;
  shouldConnect: boolean;
  /** Received messages are marked read as they arrive. */
  autoRead: boolean;
  /** The session's proxy with its password masked (`socks5://user:***@host:1080`), or null. */
  proxy: string | null;
  hasProxy: boolean;
  webhookUrl: string | null;
  webhookEvents: string[];
  heldBy: string | null;
  lastSeenAt: Date | null;
  lastConnectedAt: Date | null;
  lastDisconnectCode: number | null;
  lastDisconnectReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toSessionView(
  row: SessionRecord,
  live: { status: string | null; qr: string | null },
  webhook: SessionWebhook | null,
  proxy: string | null,
): SessionView {
  const leaseValid =
    row.leaseOwner !== null && row.leaseExpiresAt !== null && row.leaseExpiresAt > new Date();
  return {
    id: row.id,
    name: row.name,
    status: live.status ?? row.status,
    phoneNumber: row.phoneNumber,
    jid: row.jid,
    pushName: row.pushName,
    hasQrCode: live.qr !== null,
    shouldConnect: row.shouldConnect,
    autoRead: row.autoRead,
    proxy,
    hasProxy: proxy !== null,
    webhookUrl: webhook?.url ?? null,
    webhookEvents: webhook?.events ?? [],
    heldBy: leaseValid ? row.leaseOwner : null,
    lastSeenAt: row.lastSeenAt,
    lastConnectedAt: row.lastConnectedAt,
    lastDisconnectCode: row.lastDisconnectCode,
    lastDisconnectReason: row.lastDisconnectReason,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
