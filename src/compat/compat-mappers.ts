import type { MessageView } from '../messages/message-queries.service';
import type { SessionView } from '../sessions/session-view';

/** The seed's account statuses; ours adds logged_out, which a seed client knows as disconnected. */
const seedStatus = (status: string): string => (status === 'logged_out' ? 'disconnected' : status);

/** A seed account (GET /api/accounts item). */
export interface CompatAccount {
  id: string;
  name: string;
  phone_number: string | null;
  status: string;
  socketStatus: string;
  hasQrCode: boolean;
  created_at: Date;
  updated_at: Date;
}

/**
 * `status` is the session's state (live where this process holds it); `socketStatus` is this
 * process's socket: its live state, or the stored state when another gateway process holds it.
 */
export function toCompatAccount(session: SessionView, socketStatus: string | null): CompatAccount {
  return {
    id: session.id,
    name: session.name,
    phone_number: session.phoneNumber,
    status: seedStatus(session.status),
    socketStatus: seedStatus(socketStatus ?? (session.heldBy ? session.status : 'disconnected')),
    hasQrCode: session.hasQrCode,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
  };
}

/** A seed message (GET /api/accounts/:id/messages item): snake_case, text in `message`. */
export interface CompatMessage {
  id: string;
  account_id: string;
  from_number: string;
  to_number: string;
  message: string;
  timestamp: string;
  type: string;
  direction: string;
  message_id: string;
  webhook_sent: boolean;
  created_at: Date;
  media_url?: string;
  /** Only when the text was edited: `message` is the current text. */
  edited?: true;
  /** Only when the message was deleted for everyone (its text is kept). */
  revoked?: true;
}

export function toCompatMessage(m: MessageView, webhookSent: boolean): CompatMessage {
  return {
    id: String(m.id),
    account_id: m.sessionId,
    from_number: m.from,
    to_number: m.to,
    message: m.message ?? '',
    timestamp: m.timestamp,
    type: m.type,
    direction: m.direction,
    message_id: m.messageId,
    webhook_sent: webhookSent,
    created_at: m.createdAt,
    ...(m.mediaUrl ? { media_url: m.mediaUrl } : {}),
    ...(m.edited ? { edited: true as const } : {}),
    ...(m.revoked ? { revoked: true as const } : {}),
  };
}
