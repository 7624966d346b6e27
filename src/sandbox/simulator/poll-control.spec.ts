import { createHash, randomBytes } from 'node:crypto';
import * as B from '@whiskeysockets/baileys';
import { encryptPollVote } from './poll-control';

const ctx = {
  pollId: '3EB0A1B2C3D4E5F60718',
  creatorJid: '6281299990601@s.whatsapp.net',
  voterJid: '6281100000601@s.whatsapp.net',
  secret: randomBytes(32),
};
const sha256 = (text: string) => createHash('sha256').update(text).digest();

describe('encryptPollVote', () => {
  it('is what Baileys decryptPollVote opens: the SHA-256 of each chosen option', () => {
    const vote = encryptPollVote(['Noodles', 'Soup'], ctx);
    expect(vote.encIv).toHaveLength(12);
    const opened = B.decryptPollVote(vote, {
      pollCreatorJid: ctx.creatorJid,
      pollMsgId: ctx.pollId,
      pollEncKey: ctx.secret,
      voterJid: ctx.voterJid,
    });
    expect(opened.selectedOptions.map((h) => Buffer.from(h))).toEqual([sha256('Noodles'), sha256('Soup')]);
  });

  it('does not open under another voter, creator or secret (AES-GCM authenticates all of them)', () => {
    const vote = encryptPollVote(['Rice'], ctx);
    const open = (over: Partial<typeof ctx>) => () => {
      const c = { ...ctx, ...over };
      return B.decryptPollVote(vote, {
        pollCreatorJid: c.creatorJid,
        pollMsgId: c.pollId,
        pollEncKey: c.secret,
        voterJid: c.voterJid,
      });
    };
    expect(open({ voterJid: '6281100000602@s.whatsapp.net' })).toThrow();
    expect(open({ creatorJid: '190000000000001@lid' })).toThrow();
    expect(open({ secret: randomBytes(32) })).toThrow();
    expect(open({ pollId: '3EB0FFFFFFFFFFFFFFFF' })).toThrow();
    expect(open({})().selectedOptions).toHaveLength(1);
  });
});
