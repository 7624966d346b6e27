import { groupJidOfParam, looksLikeGroupJid, parseGroupJid } from './group-jid';

describe('group ids', () => {
  it.each([
    ['120363041234567890@g.us', '120363041234567890@g.us'],
    ['6281234567890-1700000000@g.us', '6281234567890-1700000000@g.us'],
    [' 120363041234567890@g.us ', '120363041234567890@g.us'],
  ])('reads the jid %j', (input, expected) => {
    expect(parseGroupJid(input)).toBe(expected);
    expect(looksLikeGroupJid(input)).toBe(true);
  });

  it.each(['12abc@g.us', '120363041234567890@s.whatsapp.net', '@g.us', '1-2-3@g.us', '120363041234567890'])(
    'refuses %j as a group jid',
    (input) => {
      expect(parseGroupJid(input)).toBeNull();
    },
  );

  it('takes a route id as the jid or its user part, nothing else', () => {
    expect(groupJidOfParam('120363041234567890')).toBe('120363041234567890@g.us');
    expect(groupJidOfParam('6281234567890-1700000000')).toBe('6281234567890-1700000000@g.us');
    expect(groupJidOfParam('120363041234567890@g.us')).toBe('120363041234567890@g.us');
    expect(groupJidOfParam('not-a-group')).toBeNull();
    expect(groupJidOfParam('6281234567890@s.whatsapp.net')).toBeNull();
  });

  it('tells a phone number from a group jid', () => {
    expect(looksLikeGroupJid('+62 812-3456-7890')).toBe(false);
    expect(looksLikeGroupJid('6281234567890@s.whatsapp.net')).toBe(false);
  });
});
