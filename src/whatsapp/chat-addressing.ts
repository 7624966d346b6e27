import { jidDecode, type WAMessageKey } from './baileys';

/** What kind of chat a message belongs to, from its chat's JID. */
export type ChatKind = 'direct' | 'group' | 'status' | 'newsletter' | 'broadcast';

/** One LID <-> phone pair WhatsApp told the session: the LID's user part and the phone digits. */
export interface LidPair {
  lid: string;
  phone: string;
}

/** The phone digits of a LID user, when the session knows them. */
export type PhoneOfLid = (lid: string) => string | undefined;

/** Where a message belongs and who wrote it, phone numbers first, LIDs alongside. */
export interface ChatAddress {
  chatKind: ChatKind;
  /** The chat: a direct chat's phone JID when the phone is known (else its LID JID), or the group's, ... */
  chatJid: string;
  /** Who the other side is, as the seed's from/to: phone digits, else the LID's user part. */
  peer: string;
  /** Group, status and broadcast-list messages: the author's phone digits, when known. */
  participant: string | null;
  /** Group, status and broadcast-list messages: the author's LID JID, when known. */
  participantLid: string | null;
  /** A direct chat: the contact's LID JID, when known. */
  chatLid: string | null;
}

export const STATUS_BROADCAST = 'status@broadcast';

export function chatKindOf(jid: string): ChatKind {
  if (jid.endsWith('@g.us')) return 'group';
  if (jid === STATUS_BROADCAST) return 'status';
  if (jid.endsWith('@newsletter')) return 'newsletter';
  if (jid.endsWith('@broadcast')) return 'broadcast';
  return 'direct';
}

const isLid = (jid: string): boolean => jid.endsWith('@lid') || jid.endsWith('@hosted.lid');
const isPhone = (jid: string): boolean => jid.endsWith('@s.whatsapp.net') || jid.endsWith('@hosted');
/** The user part, without the device: '6281:3@s.whatsapp.net' -> '6281'. */
const userOf = (jid: string): string => jidDecode(jid)?.user ?? jid.split('@')[0].split(':')[0];
export const lidJidOf = (lid: string): string => `${lid}@lid`;
export const phoneJidOf = (phone: string): string => `${phone}@s.whatsapp.net`;

/** A person named by a JID and perhaps its alternative (Baileys 7's `...Alt` fields). */
function person(
  jids: (string | null | undefined)[],
  phoneOfLid: PhoneOfLid,
): { phone: string | null; lid: string | null } {
  const given = jids.filter((j): j is string => typeof j === 'string' && j.length > 0);
  const pn = given.find(isPhone);
  const lid = given.find(isLid);
  const lidUser = lid ? userOf(lid) : null;
  const phone = pn ? userOf(pn) : lidUser ? (phoneOfLid(lidUser) ?? null) : null;
  return { phone, lid: lidUser };
}

type KeyWithAlts = WAMessageKey & { remoteJidAlt?: string | null; participantAlt?: string | null };

/**
 * Where a message belongs and who wrote it. WhatsApp addresses people by phone number or by LID
 * (`addressing_mode`); Baileys 7 gives the other form in `remoteJidAlt` (direct chats, and the
 * author of a status) or `participantAlt` (groups), and the session's LID store fills the gaps.
 * A direct chat is always stored under its phone JID when the phone is known, so one contact is one
 * chat whichever way it was addressed. A sent message's `remoteJidAlt` is the session's own other
 * address, never the contact's, so only the store is asked then.
 */
export function chatAddressOf(key: KeyWithAlts, phoneOfLid: PhoneOfLid): ChatAddress {
  const remoteJid = key.remoteJid ?? '';
  const chatKind = chatKindOf(remoteJid);
  const none = { participant: null, participantLid: null, chatLid: null };
  switch (chatKind) {
    case 'direct': {
      const p = person([remoteJid, key.fromMe ? null : key.remoteJidAlt], phoneOfLid);
      return {
        ...none,
        chatKind,
        chatJid: p.phone ? phoneJidOf(p.phone) : remoteJid,
        peer: p.phone ?? p.lid ?? userOf(remoteJid),
        chatLid: p.lid ? lidJidOf(p.lid) : null,
      };
    }
    case 'newsletter':
      return { ...none, chatKind, chatJid: remoteJid, peer: userOf(remoteJid) };
    case 'group':
    case 'status':
    case 'broadcast': {
      const alt = chatKind === 'group' ? key.participantAlt : (key.participantAlt ?? key.remoteJidAlt);
      const p = person([key.participant, alt], phoneOfLid);
      const author = p.phone ?? p.lid ?? (key.participant ? userOf(key.participant) : '');
      // A broadcast list's message shows in the sender's own chat, as on the phone.
      const listChat = chatKind === 'broadcast' && !key.fromMe && p.phone ? phoneJidOf(p.phone) : remoteJid;
      return {
        chatKind,
        chatJid: listChat,
        peer: author,
        participant: p.phone,
        participantLid: p.lid ? lidJidOf(p.lid) : null,
        chatLid: null,
      };
    }
  }
}

/** The LID <-> phone pairs a message's key carries (both forms of its sender or chat). */
export function lidPairsOf(key: KeyWithAlts): LidPair[] {
  const pairs: LidPair[] = [];
  const pair = (a: string | null | undefined, b: string | null | undefined) => {
    if (!a || !b) return;
    const lid = isLid(a) ? a : isLid(b) ? b : null;
    const pn = isPhone(a) ? a : isPhone(b) ? b : null;
    if (lid && pn) pairs.push({ lid: userOf(lid), phone: userOf(pn) });
  };
  const remoteJid = key.remoteJid ?? '';
  const kind = chatKindOf(remoteJid);
  if (kind === 'direct' && !key.fromMe) pair(remoteJid, key.remoteJidAlt);
  if (kind !== 'direct' && kind !== 'newsletter')
    pair(key.participant, key.participantAlt ?? (kind === 'group' ? null : key.remoteJidAlt));
  return pairs;
}
