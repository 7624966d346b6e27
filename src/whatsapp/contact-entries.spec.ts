import { contactEntryOf } from './contact-entries';

const noLids = () => undefined;

describe('contactEntryOf', () => {
  it('keeps a phone contact under its phone JID with its names', () => {
    expect(
      contactEntryOf(
        { id: '6281100000001@s.whatsapp.net', notify: 'Ann', name: 'Ann (work)', lid: '123@lid' },
        noLids,
        '6289900000000',
      ),
    ).toEqual({
      jid: '6281100000001@s.whatsapp.net',
      phone: '6281100000001',
      lid: '123@lid',
      pushName: 'Ann',
      savedName: 'Ann (work)',
    });
  });

  it('moves a LID contact under the phone JID when the phone number is given or known', () => {
    expect(
      contactEntryOf({ id: '123@lid', phoneNumber: '6281100000001@s.whatsapp.net' }, noLids, null),
    ).toEqual({ jid: '6281100000001@s.whatsapp.net', phone: '6281100000001', lid: '123@lid' });
    expect(contactEntryOf({ id: '123:4@lid', notify: 'Bo' }, () => '6281100000002', null)).toEqual({
      jid: '6281100000002@s.whatsapp.net',
      phone: '6281100000002',
      lid: '123@lid',
      pushName: 'Bo',
    });
    expect(contactEntryOf({ id: '123@lid', notify: 'Bo' }, noLids, null)).toEqual({
      jid: '123@lid',
      phone: null,
      lid: '123@lid',
      pushName: 'Bo',
    });
  });

  it('leaves out groups, channels, broadcasts and the account itself', () => {
    for (const id of ['120363000000000001@g.us', '1@newsletter', 'status@broadcast'])
      expect(contactEntryOf({ id, notify: 'x' }, noLids, null)).toBeNull();
    expect(
      contactEntryOf({ id: '6289900000000@s.whatsapp.net', notify: 'me' }, noLids, '6289900000000'),
    ).toBeNull();
    expect(contactEntryOf({ notify: 'no id' }, noLids, null)).toBeNull();
  });
});
