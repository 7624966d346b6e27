/** Webhook event names a subscriber can choose from (the per-target `events` filter). */
export const WEBHOOK_EVENTS = [
  'message.inbound',
  'message.outbound',
  'message.status',
  'message.media',
  'session.status',
  'session.qr',
  'campaign.progress',
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** One fact to report: its event name, the session it belongs to, and the JSON body to post. */
export interface OutboxEvent {
  event: WebhookEventName;
  sessionId: string | null;
  payload: Record<string, unknown>;
}
