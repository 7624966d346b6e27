import { InvalidPhoneNumberError, phoneToJid, toE164 } from './phone';

describe('phone numbers', () => {
  it.each([
    ['+62 812-3456-7890', undefined, '+6281234567890'],
    ['6281234567890', undefined, '+6281234567890'],
    ['0062 812 3456 7890', undefined, '+6281234567890'],
    ['0812 3456 7890', 'ID', '+6281234567890'],
    ['(415) 555-2671', 'US', '+14155552671'],
    ['6281234567890@s.whatsapp.net', undefined, '+6281234567890'],
    ['6281234567890:3@s.whatsapp.net', 'US', '+6281234567890'],
  ])('reads %s (default country %s) as %s', (input, country, expected) => {
    expect(toE164(input, country)).toBe(expected);
  });

  it.each(['', 'abc', '12', '+1', 'DROP TABLE', '0812 3456 7890'])(
    'refuses %j without a default country',
    (input) => {
      expect(() => toE164(input)).toThrow(InvalidPhoneNumberError);
    },
  );

  it('makes the user jid', () => {
    expect(phoneToJid('+62 812 3456 7890')).toBe('6281234567890@s.whatsapp.net');
  });
});
