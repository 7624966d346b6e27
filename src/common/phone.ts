import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export class InvalidPhoneNumberError extends Error {
  constructor(readonly input: string) {
    super(`"${input.slice(0, 40)}" is not a valid phone number`);
  }
}

/**
 * Reads a phone number in the usual forms ('+62 812-3456-7890', '6281234567890', '0812...' with a
 * default country, or a WhatsApp jid) and returns it in E.164 ('+6281234567890').
 */
export function toE164(input: string, defaultCountry?: string): string {
  const raw = String(input ?? '').trim();
  const beforeAt = raw.includes('@') ? raw.split('@')[0].split(':')[0] : raw;
  if (!/^[+\d\s().-]{5,32}$/.test(beforeAt)) throw new InvalidPhoneNumberError(raw);
  const digits = beforeAt.replace(/\D/g, '');
  const international =
    beforeAt.startsWith('+') || beforeAt.startsWith('00') || !defaultCountry || raw.includes('@');
  // The input is only digits by now: no need for the library to search the text for a number.
  const parsed = international
    ? parsePhoneNumberFromString(`+${digits.replace(/^00/, '')}`, { extract: false })
    : parsePhoneNumberFromString(digits, { defaultCountry: defaultCountry as CountryCode, extract: false });
  if (!parsed || !parsed.isPossible()) throw new InvalidPhoneNumberError(raw);
  return parsed.number;
}

/** The WhatsApp user jid of a phone number: '+6281...' -> '6281...@s.whatsapp.net'. */
export const phoneToJid = (input: string, defaultCountry?: string): string =>
  `${toE164(input, defaultCountry).slice(1)}@s.whatsapp.net`;
