import type { GroupMember } from '../common/domain-events';
import { isLidUser, isPnUser, jidNormalizedUser, type GroupParticipant, type WASocket } from './baileys';

const userOf = (jid: string): string => jid.split('@')[0].split(':')[0];

/** The phone digits the gateway's own LID store (lid-mappings.ts) knows for a LID, if any. */
export type KnownPhoneOf = (lid: string) => string | undefined;

/**
 * Who a jid of a group is, as the gateway reports people: the phone number (digits) and the LID.
 * `alt` is the other form when WhatsApp gave it (participant_pn, phone_number, lid attributes);
 * otherwise the session's stored LID mappings, then Baileys' LID mapping store, answer what they
 * learnt (group notifications drop the phone number of LID-addressed actors).
 */
export async function memberOf(
  socket: WASocket,
  jid: string | null | undefined,
  alt?: string | null,
  known?: KnownPhoneOf,
): Promise<GroupMember | null> {
  if (!jid) return null;
  if (isPnUser(jid)) {
    return { phoneNumber: userOf(jid), lid: alt && isLidUser(alt) ? jidNormalizedUser(alt) : null };
  }
  if (isLidUser(jid)) {
    let pn = alt && isPnUser(alt) ? alt : null;
    const stored = pn ? undefined : known?.(jid);
    if (stored) return { phoneNumber: stored, lid: jidNormalizedUser(jid) };
    if (!pn) pn = await socket.signalRepository.lidMapping.getPNForLID(jid).catch(() => null);
    return { phoneNumber: pn ? userOf(pn) : null, lid: jidNormalizedUser(jid) };
  }
  return { phoneNumber: null, lid: null };
}

/** A participant of Baileys' metadata or notifications as a member. */
export function participantMember(
  socket: WASocket,
  p: GroupParticipant,
  known?: KnownPhoneOf,
): Promise<GroupMember | null> {
  return memberOf(socket, p.id, isPnUser(p.id) ? p.lid : p.phoneNumber, known);
}

/** The LID <-> phone pairs a group's participants show (both forms given), to keep. */
export function participantPairs(participants: GroupParticipant[]): { lid: string; phone: string }[] {
  const pairs: { lid: string; phone: string }[] = [];
  for (const p of participants) {
    const lid = isLidUser(p.id) ? p.id : p.lid;
    const phone = isPnUser(p.id) ? p.id : p.phoneNumber;
    if (lid && phone && isLidUser(lid) && isPnUser(phone)) pairs.push({ lid, phone });
  }
  return pairs;
}

/** Whether a participant (by any of its jids) is one of these jids' users. */
export function sameParticipant(p: GroupParticipant, jids: (string | null | undefined)[]): boolean {
  const mine = [p.id, p.phoneNumber, p.lid].filter(Boolean).map((j) => userOf(j!));
  return jids.some((j) => j && mine.includes(userOf(j)));
}
