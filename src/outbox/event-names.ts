/** Webhook event names a subscriber can choose from (the per-target `events` filter). */
export const WEBHOOK_EVENTS = [
  'message.inbound',
  'message.outbound',
  'message.status',
  'message.media',
  'message.edited',
  'message.revoked',
  'session.status',
  'session.qr',
  'campaign.progress',
  'group.joined',
  'group.updated',
  'group.participants',
  'poll.vote',
  'status.inbound',
  'newsletter.inbound',
  'presence.update',
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/**
 * Events a target gets only when its `events` list names them: status updates and channel posts
 * can be many and are not conversations, and presence (online, typing) comes in bursts, so
 * "all events" (an empty list) leaves them out.
 */
export const OPT_IN_EVENTS: readonly WebhookEventName[] = [
  'status.inbound',
  'newsletter.inbound',
  'presence.update',
];

/** What an empty `events` list means: every event but the opt-in ones. */
export const DEFAULT_EVENTS: readonly WebhookEventName[] = WEBHOOK_EVENTS.filter(
  (e) => !OPT_IN_EVENTS.includes(e),
);

/** One fact to report: its event name, the session it belongs to, and the JSON body to post. */
export interface OutboxEvent {
  event: WebhookEventName;
  sessionId: string | null;
  payload: Record<string, unknown>;
}
