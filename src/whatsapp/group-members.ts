import type { GroupMember } from '../common/domain-events';
import { isLidUser, isPnUser, jidNormalizedUser, type GroupParticipant, type WASocket } from './baileys';

const userOf = (jid: string): string => jid.split('@')[0].split(':')[0];

/**
 * Who a jid of a group is, as the gateway reports people: the phone number (digits) and the LID.
 * `alt` is the other form when WhatsApp gave it (participant_pn, phone_number, lid attributes);
 * otherwise Baileys' LID mapping store answers what it learnt (group notifications drop the phone
 * number of LID-addressed actors).
 */
export async function memberOf(
  socket: WASocket,
  jid: string | null | undefined,
  alt?: string | null,
): Promise<GroupMember | null> {
  if (!jid) return null;
  if (isPnUser(jid)) {
    return { phoneNumber: userOf(jid), lid: alt && isLidUser(alt) ? jidNormalizedUser(alt) : null };
  }
  if (isLidUser(jid)) {
    let pn = alt && isPnUser(alt) ? alt : null;
    if (!pn) pn = await socket.signalRepository.lidMapping.getPNForLID(jid).catch(() => null);
    return { phoneNumber: pn ? userOf(pn) : null, lid: jidNormalizedUser(jid) };
  }
  return { phoneNumber: null, lid: null };
}

/** A participant of Baileys' metadata or notifications as a member. */
export function participantMember(socket: WASocket, p: GroupParticipant): Promise<GroupMember | null> {
  return memberOf(socket, p.id, isPnUser(p.id) ? p.lid : p.phoneNumber);
}

/** Whether a participant (by any of its jids) is one of these jids' users. */
export function sameParticipant(p: GroupParticipant, jids: (string | null | undefined)[]): boolean {
  const mine = [p.id, p.phoneNumber, p.lid].filter(Boolean).map((j) => userOf(j!));
  return jids.some((j) => j && mine.includes(userOf(j)));
}
