import type { ContactEntry } from '../messages/contact-book';
import { isLidUser, isPnUser, jidNormalizedUser, type Contact } from './baileys';

const userOf = (jid: string): string => jid.split('@')[0].split(':')[0];

/**
 * A Baileys contact (contacts.upsert / contacts.update) as the contact book keeps it: under the phone
 * JID when the phone number is known (given, or learned for its LID), else under the LID JID. Groups,
 * channels, broadcasts and the account itself are not contacts.
 */
export function contactEntryOf(
  contact: Partial<Contact>,
  phoneOfLid: (lid: string) => string | undefined,
  ownNumber: string | null,
): ContactEntry | null {
  if (!contact.id) return null;
  const id = jidNormalizedUser(contact.id);
  let phone: string | null;
  let lid: string | null;
  if (isLidUser(id)) {
    lid = id;
    const given =
      contact.phoneNumber && isPnUser(contact.phoneNumber) ? userOf(contact.phoneNumber) : undefined;
    phone = given ?? phoneOfLid(id) ?? null;
  } else if (isPnUser(id)) {
    phone = userOf(id);
    lid = contact.lid && isLidUser(contact.lid) ? jidNormalizedUser(contact.lid) : null;
  } else return null;
  if (phone !== null && !/^\d{1,32}$/.test(phone)) phone = null;
  if (ownNumber && phone === ownNumber) return null;
  const jid = phone ? `${phone}@s.whatsapp.net` : (lid as string);
  return {
    jid,
    phone,
    lid,
    ...(contact.notify ? { pushName: contact.notify } : {}),
    ...(contact.name ? { savedName: contact.name } : {}),
    ...(contact.verifiedName ? { verifiedName: contact.verifiedName } : {}),
  };
}
