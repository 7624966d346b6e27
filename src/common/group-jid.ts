import { InvalidPhoneNumberError, toE164 } from './phone';

/**
 * A WhatsApp group id: `<digits>` (new groups: `120363…`, 18 digits) or `<creator digits>-<seconds>`
 * (old groups). At most 38 characters as a jid, so it fits where a recipient's phone is stored.
 */
const GROUP_USER = /^\d{5,20}(-\d{5,12})?$/;
const GROUP_JID = /^(\d{5,20}(?:-\d{5,12})?)@g\.us$/;

/** True when `input` is written as a group jid (`…@g.us`), valid or not: the caller then checks it strictly. */
export const looksLikeGroupJid = (input: string): boolean => input.trim().toLowerCase().endsWith('@g.us');

/** The group jid, from a strict full jid (`120363…@g.us`); null when it is not one. */
export function parseGroupJid(input: string): string | null {
  const match = GROUP_JID.exec(input.trim());
  return match ? `${match[1]}@g.us` : null;
}

/**
 * A route's group id: the full jid (`120363…@g.us`, `@` url-encoded or not) or its user part
 * (`120363…`, `6281…-1700000000`); null when it is neither.
 */
export function groupJidOfParam(input: string): string | null {
  const value = input.trim();
  if (GROUP_USER.test(value)) return `${value}@g.us`;
  return parseGroupJid(value);
}

/**
 * A recipient as stored (recipient lists, campaigns): a group jid when written as one (checked
 * strictly), otherwise the phone number in E.164. Throws InvalidPhoneNumberError for neither.
 */
export function recipientAddress(input: string, defaultCountry?: string): string {
  if (!looksLikeGroupJid(input)) return toE164(input, defaultCountry);
  const jid = parseGroupJid(input);
  if (!jid) throw new InvalidPhoneNumberError(input);
  return jid;
}
