import { DomainError } from '../common/errors';

/** WhatsApp's code on a refused group query (Baileys rejects with a Boom whose `data` is the code). */
export function whatsappCodeOf(error: unknown): number | null {
  if (!error || typeof error !== 'object' || !('isBoom' in error)) return null;
  const data = (error as { data?: unknown }).data;
  return typeof data === 'number' && data >= 400 && data < 500 ? data : null;
}

/**
 * A refused group query as a DomainError (a 4xx the caller can act on, never a 500); other errors
 * are returned as they are. `invite`: the query used an invite code, so 404/406/410 mean the code.
 */
export function groupErrorOf(
  error: unknown,
  groupJid: string | null,
  options: { invite?: boolean } = {},
): unknown {
  const code = whatsappCodeOf(error);
  if (code === null) return error;
  const group = groupJid ?? 'the group';
  if (options.invite && (code === 404 || code === 406 || code === 410))
    return new DomainError('INVITE_NOT_FOUND', 'This invite code is not valid (revoked or unknown)');
  switch (code) {
    case 404:
      return new DomainError('GROUP_NOT_FOUND', `No group ${group}`);
    case 403:
      return new DomainError('NOT_A_PARTICIPANT', `The account is not a participant of ${group}`);
    case 401:
      return new DomainError('GROUP_NOT_ADMIN', `Only an admin of ${group} may do this`);
    case 409:
      return new DomainError('GROUP_CONFLICT', `WhatsApp refused the change to ${group} (conflict)`);
    default:
      return new DomainError('GROUP_REFUSED', `WhatsApp refused the request for ${group} (${code})`);
  }
}
