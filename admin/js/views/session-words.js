/*
 * A session's state in words: why it last stopped (the reasons and close codes the gateway records),
 * where it stands, which phase decides its actions, and which gateway process runs it.
 */
import { formatDate } from '../dom.js';

/** Reasons the gateway records when a session stops (whatsapp/connection-registry.ts, reconnect-policy.ts). */
const REASONS = [
  [/not scanned in time|qr code expired/i, 'The QR code was not scanned in time.'],
  [/logged out from the phone/i, 'It was logged out from the phone (Linked devices › Log out).'],
  [/^logged out$/i, 'It was logged out from this gateway.'],
  [
    /replaced by another client/i,
    'The same WhatsApp account was opened by another session or client, which replaced it.',
  ],
  [/bad session data/i, 'WhatsApp refused its saved keys as damaged; log out and link it again.'],
  [/multi-device mismatch/i, 'WhatsApp reported a linked-devices mismatch; log out and link it again.'],
  [/forbidden/i, 'WhatsApp refused this account (it may be banned or restricted).'],
  [/connection lost/i, 'The connection to WhatsApp was lost.'],
  [/restart required/i, 'WhatsApp asked for a restart of the connection.'],
  [/connection closed/i, 'WhatsApp closed the connection.'],
  [/disconnected by request/i, 'It was disconnected from this gateway.'],
  [/gateway stopped/i, 'The gateway process that ran it was stopped.'],
  [/could not open the socket/i, 'The gateway could not open a connection to WhatsApp.'],
];
/** Baileys close codes, for a reason without words. */
const CODES = {
  401: 'It was logged out from the phone.',
  403: 'WhatsApp refused this account (it may be banned or restricted).',
  408: 'The connection to WhatsApp timed out.',
  411: 'WhatsApp reported a linked-devices mismatch.',
  428: 'WhatsApp closed the connection.',
  440: 'The same WhatsApp account was opened by another session or client, which replaced it.',
  500: 'WhatsApp refused its saved keys as damaged.',
  515: 'WhatsApp asked for a restart of the connection.',
};

export const isQrTimeout = (s) => /not scanned in time|qr code expired/i.test(s.lastDisconnectReason ?? '');

/** The last stop in a sentence (null when there is none to tell). */
export function stopReason(session) {
  const reason = session.lastDisconnectReason;
  const code = session.lastDisconnectCode;
  const words = (reason && REASONS.find(([re]) => re.test(reason))?.[1]) ?? (code ? CODES[code] : null);
  if (words) return words;
  if (reason) return `${reason.charAt(0).toUpperCase()}${reason.slice(1)}.`;
  return code ? `WhatsApp closed the connection (code ${code}).` : null;
}

/**
 * Whether the session keeps credentials to reconnect without a scan: it was linked to a phone and
 * has not been logged out (nor lost its QR wait since, which means it was linking anew).
 */
export const hasCredentials = (s) =>
  Boolean(s.phoneNumber) &&
  s.status !== 'logged_out' &&
  !isQrTimeout(s) &&
  !/log/i.test(s.lastDisconnectReason ?? '');

/** The phase that decides the actions and the link card. */
export function phaseOf(s) {
  if (s.status === 'connected') return 'connected';
  // A QR is only ever shown to link a phone anew.
  if (s.status === 'qr_pending') return 'linking';
  if (s.status === 'connecting') return hasCredentials(s) ? 'reconnecting' : 'linking';
  return hasCredentials(s) ? 'stopped' : 'unlinked';
}

/** Where it stands, in words. */
export function standing(s) {
  switch (phaseOf(s)) {
    case 'connected':
      return `Connected to WhatsApp${s.lastConnectedAt ? ` since ${formatDate(s.lastConnectedAt)}` : ''}.`;
    case 'reconnecting':
      return 'Reconnecting to WhatsApp by itself; the phone stays linked.';
    case 'linking':
      return s.status === 'qr_pending'
        ? 'Waiting for a phone to scan the QR code (or type a pairing code).'
        : 'Opening a connection to WhatsApp to show a QR code…';
    case 'stopped':
      return 'Not connected. The phone is still linked: Connect opens it again without a scan.';
    default:
      return s.status === 'logged_out'
        ? 'Logged out: no phone is linked. Connect shows a new QR code to link one.'
        : s.lastConnectedAt
          ? 'Not connected, and no phone is linked now. Connect shows a QR code to link one.'
          : 'Never linked to a phone yet. Connect shows a QR code to link one.';
  }
}

/** "host-1234" (the gateway's default INSTANCE_ID) -> plain words. */
export function heldByWords(s) {
  if (!s.heldBy) return null;
  const verb = s.status === 'connected' ? 'Connected through' : 'Run by';
  const m = /^(.+)-(\d+)$/.exec(s.heldBy);
  return m
    ? `${verb} gateway process ${m[2]} on ${m[1]}.`
    : `${verb} the gateway process named “${s.heldBy}”.`;
}
