import { fingerprintOf, fromQueued, toQueued } from './outbound-content';
import { acceptsSends } from './outbound-sends';
import { MAX_SEND_ATTEMPTS, outcomeOfSendError } from './send-outcome';
import { DomainError } from '../common/errors';
import type { SessionRecord } from './session.repository';
import type { OutboundContent } from './whatsapp.port';

const JID = '6281234567890@s.whatsapp.net';

describe('queued content', () => {
  it('keeps media as the stored path, never the bytes, and reads them back for the send', async () => {
    const content: OutboundContent = {
      kind: 'image',
      media: { data: Buffer.from('png bytes'), mimetype: 'image/png' },
      caption: 'hi',
    };
    const queued = toQueued(content, 'QUOTED1', { path: 'out/s/a.png', size: 9 });
    expect(JSON.stringify(queued)).not.toContain(Buffer.from('png bytes').toString('base64'));
    expect(queued).toEqual({
      content: {
        kind: 'image',
        caption: 'hi',
        media: { path: 'out/s/a.png', size: 9, mimetype: 'image/png' },
      },
      quotedMessageId: 'QUOTED1',
    });
    const read = jest.fn(async () => Buffer.from('png bytes'));
    const back = await fromQueued(JSON.parse(JSON.stringify(queued)), read);
    expect(read).toHaveBeenCalledWith('out/s/a.png');
    expect(back).toEqual({
      content: {
        kind: 'image',
        caption: 'hi',
        media: {
          data: Buffer.from('png bytes'),
          mimetype: 'image/png',
          stored: { path: 'out/s/a.png', size: 9 },
        },
      },
      quotedMessageId: 'QUOTED1',
    });
  });

  it('passes content without media through as it is (fields it does not know included)', async () => {
    const content = { kind: 'audio', ptt: true } as unknown as OutboundContent;
    const poll: OutboundContent = { kind: 'poll', question: 'Q?', options: ['a', 'b'], multiple: false };
    const queued = toQueued(poll, undefined, undefined);
    expect(queued).toEqual({ content: poll });
    expect((await fromQueued(queued, jest.fn())).content).toEqual(poll);
    expect(() =>
      toQueued(
        { ...content, media: { data: Buffer.from('x'), mimetype: 'audio/ogg' } } as OutboundContent,
        undefined,
        undefined,
      ),
    ).toThrow('media must be stored');
  });
});

describe('fingerprintOf', () => {
  const text = (t: string): OutboundContent => ({ kind: 'text', text: t });

  it('is the same for the same request whatever the key order, and differs by recipient, content, quote, bytes', () => {
    const a = fingerprintOf(JID, { kind: 'location', latitude: 1, longitude: 2, name: 'x' });
    const b = fingerprintOf(JID, {
      name: 'x',
      longitude: 2,
      latitude: 1,
      kind: 'location',
    } as OutboundContent);
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf(JID, text('hi'))).not.toBe(fingerprintOf(JID, text('hi!')));
    expect(fingerprintOf(JID, text('hi'))).not.toBe(
      fingerprintOf('6281234567891@s.whatsapp.net', text('hi')),
    );
    expect(fingerprintOf(JID, text('hi'))).not.toBe(fingerprintOf(JID, text('hi'), 'Q1'));
    const media = (bytes: string): OutboundContent => ({
      kind: 'document',
      fileName: 'a.pdf',
      media: { data: Buffer.from(bytes), mimetype: 'application/pdf' },
    });
    expect(fingerprintOf(JID, media('one'))).toBe(fingerprintOf(JID, media('one')));
    expect(fingerprintOf(JID, media('one'))).not.toBe(fingerprintOf(JID, media('two')));
  });
});

describe('acceptsSends', () => {
  const row = (fields: Partial<SessionRecord>) =>
    ({ status: 'connected', shouldConnect: true, jid: JID, ...fields }) as SessionRecord;

  it('takes sends for a connected session and a linked one on its way back; refuses the rest', () => {
    expect(acceptsSends(row({}))).toBe(true);
    expect(acceptsSends(row({ status: 'connecting' }))).toBe(true);
    expect(acceptsSends(row({ status: 'disconnected' }))).toBe(true);
    // Disconnected on request, logged out, never linked, or showing a QR.
    expect(acceptsSends(row({ status: 'disconnected', shouldConnect: false }))).toBe(false);
    expect(acceptsSends(row({ status: 'logged_out', shouldConnect: false }))).toBe(false);
    expect(acceptsSends(row({ status: 'connecting', jid: null }))).toBe(false);
    expect(acceptsSends(row({ status: 'qr_pending' }))).toBe(false);
  });
});

describe('outcomeOfSendError', () => {
  it('fails at once on a domain error, retries anything else up to the attempts', () => {
    expect(outcomeOfSendError(new DomainError('NOT_A_PARTICIPANT', 'not in the group'), 1)).toEqual({
      action: 'fail',
      reason: 'NOT_A_PARTICIPANT: not in the group',
    });
    expect(outcomeOfSendError(new Error('upload failed'), 1)).toEqual({
      action: 'retry',
      reason: 'upload failed',
    });
    expect(outcomeOfSendError(new Error('upload failed'), MAX_SEND_ATTEMPTS).action).toBe('fail');
  });
});
