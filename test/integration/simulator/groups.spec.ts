import * as B from '@whiskeysockets/baileys';
import type { BaileysTestClient } from '../../support/baileys-test-client';
import { SimulatorFixture } from '../../support/simulator-fixture';
import { GroupError } from '../../../src/sandbox/simulator/group-actions';
import { messageText } from '../../../src/sandbox/simulator/message-log';
import type { ReceiptInfo } from '../../../src/sandbox/simulator/types';

const ACCOUNT = '15550300001';
const ALICE = '15550300002';
const BOB = '15550300003';
const CAROL = '15550300004';
const DAVE = '15550300005';
const EVE = '15550300006';
const FRANK = '15550300007';
const NOBODY = '15550300999';
const pn = (phone: string): string => `${phone}@s.whatsapp.net`;

type ParticipantsUpdate = B.BaileysEventMap['group-participants.update'];
type GroupUpdate = B.BaileysEventMap['groups.update'][number];

/** Polls until `check` returns something truthy. */
async function eventually<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The Boom a refused Baileys group call rejects with carries the iq error code in `data`. */
async function refusalCode(call: Promise<unknown>): Promise<unknown> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as { data?: unknown },
  );
  if (!error) throw new Error('the call was not refused');
  return error.data;
}

describe('groups (raw Baileys against the simulator)', () => {
  const fixture = new SimulatorFixture();
  const sim = fixture.simulator;
  let client: BaileysTestClient;
  let sock: NonNullable<BaileysTestClient['socket']>;
  const participantUpdates: ParticipantsUpdate[] = [];
  const groupUpdates: GroupUpdate[] = [];
  const groupUpserts: B.GroupMetadata[] = [];
  const receiptUpdates: B.MessageUserReceiptUpdate[] = [];

  beforeAll(async () => {
    await fixture.start();
    sim.createContact(ALICE, { pushName: 'Alice' });
    sim.createContact(BOB, { pushName: 'Bob' });
    sim.createContact(CAROL, { pushName: 'Carol' });
    sim.createContact(DAVE, { pushName: 'Dave' });
    sim.createContact(EVE, { pushName: 'Eve' });
    sim.createContact(FRANK, { pushName: 'Frank' });
    client = await fixture.pairedClient(ACCOUNT);
    sock = client.socket!;
    sock.ev.on('group-participants.update', (update) => participantUpdates.push(update));
    sock.ev.on('groups.update', (updates) => groupUpdates.push(...updates));
    sock.ev.on('groups.upsert', (groups) => groupUpserts.push(...groups));
    sock.ev.on('message-receipt.update', (updates) => receiptUpdates.push(...updates));
  });
  afterAll(() => fixture.close());

  describe('a group the account creates with groupCreate', () => {
    let gid: string;

    beforeAll(async () => {
      const created = await sock.groupCreate('Team', [pn(ALICE), pn(BOB), pn(CAROL)]);
      gid = created.id;
    });

    it('answers metadata that matches the simulator, with LIDs beside phone JIDs', async () => {
      expect(gid).toMatch(/^\d+@g\.us$/);
      const meta = await sock.groupMetadata(gid);
      const info = sim.groups.info(gid);
      expect(meta).toMatchObject({
        id: gid,
        subject: 'Team',
        addressingMode: 'pn',
        owner: pn(ACCOUNT),
        size: 4,
      });
      expect(meta.creation).toBe(info.creation);
      const byId = new Map(meta.participants.map((p) => [p.id, p]));
      expect(byId.get(pn(ACCOUNT))?.admin).toBe('superadmin');
      expect(byId.get(pn(ALICE))?.admin).toBeNull();
      expect(byId.get(pn(ALICE))?.lid).toBe(sim.user(ALICE).lidJid);
      expect(info.participants.map((p) => p.phoneNumber).sort()).toEqual([ACCOUNT, ALICE, BOB, CAROL].sort());
      await eventually(() => groupUpserts.find((g) => g.id === gid), 'the create notification');
    });

    it('lists it in groupFetchAllParticipating with participants and description', async () => {
      await sock.groupUpdateDescription(gid, 'Where the team talks');
      const all = await sock.groupFetchAllParticipating();
      expect(all[gid]).toMatchObject({ subject: 'Team', desc: 'Where the team talks', size: 4 });
      expect(all[gid].participants).toHaveLength(4);
    });

    it('delivers a text to every member (sender key in pkmsg first, then skmsg only)', async () => {
      const first = await sock.sendMessage(gid, { text: 'hello team' });
      for (const member of [ALICE, BOB, CAROL]) {
        const got = await sim.groups.waitForMessage(member, gid, {
          match: (m) => m.id === first!.key.id,
          sinceIndex: 0,
        });
        expect(messageText(got.message)).toBe('hello team');
        expect(got).toMatchObject({ fromPhoneNumber: ACCOUNT, chatJid: gid });
      }
      const second = await sock.sendMessage(gid, { text: 'second one' });
      for (const member of [ALICE, BOB, CAROL]) {
        const got = await sim.groups.waitForMessage(member, gid, {
          match: (m) => m.id === second!.key.id,
          sinceIndex: 0,
        });
        expect(messageText(got.message)).toBe('second one');
      }
      // Raw Baileys without cachedGroupMetadata asks for the metadata before every send.
      const queriesBefore = sim.groups.metadataQueries(gid);
      await sock.sendMessage(gid, { text: 'third' });
      expect(sim.groups.metadataQueries(gid)).toBe(queriesBefore + 1);
      const sends = sim.groups.sentByCompanions(gid);
      const firstSend = sends.find((s) => s.id === first!.key.id)!;
      const secondSend = sends.find((s) => s.id === second!.key.id)!;
      expect(firstSend.skmsg).toBe(true);
      expect(firstSend.keyRecipients.length).toBeGreaterThanOrEqual(3);
      expect(secondSend).toMatchObject({ skmsg: true, keyRecipients: [] });
    });

    it('has Baileys send the message and its key again when a member’s phone lost the key', async () => {
      sim.groups.forgetSenderKeys(BOB, gid);
      const sent = await sock.sendMessage(gid, { text: 'bob lost his key' });
      const id = sent!.key.id!;
      const got = await sim.groups.waitForMessage(BOB, gid, { match: (m) => m.id === id, sinceIndex: 0 });
      expect(messageText(got.message)).toBe('bob lost his key');
      // Sent once with skmsg only, then again (after Bob's retry receipt) with the key for everyone.
      const sends = sim.groups.sentByCompanions(gid).filter((s) => s.id === id);
      expect(sends).toHaveLength(2);
      expect(sends[0].keyRecipients).toEqual([]);
      expect(sends[1].keyRecipients.length).toBeGreaterThanOrEqual(3);
      expect(sim.groups.received(ALICE, gid).filter((m) => m.id === id)).toHaveLength(1);
    });

    it('hands Baileys a member’s message with remoteJid = the group and the author as participant', async () => {
      const id = await sim.groups.send(ALICE, gid, { text: `hi @${ACCOUNT}`, mentions: [ACCOUNT] });
      const upsert = await client.waitForUpsert((m) => m.key.id === id);
      expect(upsert.key).toMatchObject({ remoteJid: gid, participant: pn(ALICE), fromMe: false });
      expect(upsert.key.participantAlt).toBe(sim.user(ALICE).lidJid);
      expect(upsert.message?.extendedTextMessage?.text).toBe(`hi @${ACCOUNT}`);
      expect(upsert.message?.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([pn(ACCOUNT)]);
      // The other members read it too.
      for (const member of [BOB, CAROL]) {
        await sim.groups.waitForMessage(member, gid, { match: (m) => m.id === id, sinceIndex: 0 });
      }
      const next = await sim.groups.send(ALICE, gid, { text: 'again, skmsg only' });
      const again = await client.waitForUpsert((m) => m.key.id === next);
      expect(again.message?.conversation).toBe('again, skmsg only');
    });

    it('carries receipts both ways: members’ delivery and read receipts, and Baileys’ own', async () => {
      const sent = await sock.sendMessage(gid, { text: 'did you get it?' });
      const id = sent!.key.id!;
      await sim.groups.waitForMessage(BOB, gid, { match: (m) => m.id === id, sinceIndex: 0 });
      // A receipt that arrives while Baileys still buffers the send's own upsert is merged into it.
      const receiptOf = (kind: 'receiptTimestamp' | 'readTimestamp') =>
        receiptUpdates.find(
          (u) =>
            u.key.id === id && u.key.remoteJid === gid && u.receipt.userJid === pn(BOB) && u.receipt[kind],
        )?.receipt ??
        client.upserts
          .find((m) => m.key.id === id)
          ?.userReceipt?.find((r) => r.userJid === pn(BOB) && r[kind]);
      await eventually(() => receiptOf('receiptTimestamp'), 'Bob’s delivery receipt');
      sim.sendReceipt(BOB, id, 'read');
      await eventually(() => receiptOf('readTimestamp'), 'Bob’s read receipt');

      const fromAlice = await sim.groups.send(ALICE, gid, { text: 'read me in the group' });
      const upsert = await client.waitForUpsert((m) => m.key.id === fromAlice);
      const read = new Promise<ReceiptInfo>((resolve) =>
        sim.on('receipt', (r) => {
          if (r.messageIds.includes(fromAlice) && r.type === 'read') resolve(r);
        }),
      );
      await sock.readMessages([upsert.key]);
      expect(await read).toMatchObject({ toPhoneNumber: ALICE, fromPhoneNumber: ACCOUNT, chatJid: gid });
    });

    it('answers a retry receipt for a member’s group message with the message and the key again', async () => {
      await sim.groups.send(BOB, gid, { text: 'bob says hi' });
      await client.waitForUpsert((m) => m.message?.conversation === 'bob says hi');
      sim.faults.undecryptableInbound = 1;
      const id = await sim.groups.send(BOB, gid, { text: 'garbled first' });
      const upsert = await client.waitForUpsert((m) => m.key.id === id && !!m.message?.conversation, 15_000);
      expect(upsert.message?.conversation).toBe('garbled first');
      expect(upsert.key.participant).toBe(pn(BOB));
    });

    it('adds, promotes, demotes and removes with per-participant results and notifications', async () => {
      sim.groups.refuseAdds(EVE);
      const added = await sock.groupParticipantsUpdate(
        gid,
        [pn(DAVE), pn(ALICE), pn(EVE), pn(NOBODY)],
        'add',
      );
      expect(added.map((r) => [r.jid, r.status])).toEqual([
        [pn(DAVE), '200'],
        [pn(ALICE), '409'],
        [pn(EVE), '403'],
        [pn(NOBODY), '404'],
      ]);
      expect(B.getBinaryNodeChild(added[2].content, 'add_request')?.attrs.code).toBeTruthy();
      await eventually(
        () =>
          participantUpdates.find(
            (u) => u.id === gid && u.action === 'add' && u.participants.some((p) => p.id === pn(DAVE)),
          ),
        'the add notification',
      );

      expect((await sock.groupParticipantsUpdate(gid, [pn(ALICE)], 'promote'))[0].status).toBe('200');
      expect(sim.groups.info(gid).participants.find((p) => p.phoneNumber === ALICE)?.role).toBe('admin');
      expect((await sock.groupParticipantsUpdate(gid, [pn(ALICE)], 'demote'))[0].status).toBe('200');
      await eventually(() => participantUpdates.find((u) => u.id === gid && u.action === 'demote'), 'demote');
      expect(participantUpdates.find((u) => u.id === gid && u.action === 'promote')?.author).toBe(
        pn(ACCOUNT),
      );

      expect((await sock.groupParticipantsUpdate(gid, [pn(DAVE)], 'remove'))[0].status).toBe('200');
      expect((await sock.groupParticipantsUpdate(gid, [pn(DAVE)], 'remove'))[0].status).toBe('404');
      await eventually(
        () =>
          participantUpdates.find(
            (u) => u.id === gid && u.action === 'remove' && u.participants.some((p) => p.id === pn(DAVE)),
          ),
        'the remove notification',
      );
      expect(sim.groups.info(gid).participants.some((p) => p.phoneNumber === DAVE)).toBe(false);
      expect(sim.groups.notifications(gid).find((n) => n.change === 'remove')?.recipients).toContain(DAVE);
    });

    it('renames the group and changes its settings, and Baileys hears of it', async () => {
      await sock.groupUpdateSubject(gid, 'Team 2');
      expect(sim.groups.info(gid).subject).toBe('Team 2');
      await eventually(
        () => groupUpdates.find((u) => u.id === gid && u.subject === 'Team 2'),
        'the subject update',
      );
      await sock.groupSettingUpdate(gid, 'announcement');
      expect((await sock.groupMetadata(gid)).announce).toBe(true);
      await sock.groupSettingUpdate(gid, 'not_announcement');
      await sock.groupSettingUpdate(gid, 'locked');
      expect(sim.groups.info(gid)).toMatchObject({ announce: false, restrict: true });
    });

    it('tells Baileys when a simulated admin changes the group', async () => {
      expect(() => sim.groups.setSubject(BOB, gid, 'not allowed')).toThrow(GroupError);
      await sock.groupParticipantsUpdate(gid, [pn(BOB)], 'promote');
      sim.groups.setSubject(BOB, gid, 'Renamed by Bob');
      const update = await eventually(
        () => groupUpdates.find((u) => u.id === gid && u.subject === 'Renamed by Bob'),
        'the subject update',
      );
      expect(update.author).toBe(pn(BOB));
      sim.groups.add(BOB, gid, [FRANK]);
      await eventually(
        () =>
          participantUpdates.find(
            (u) => u.action === 'add' && u.participants.some((p) => p.id === pn(FRANK)),
          ),
        'the add by Bob',
      );
    });

    it('gets, revokes and follows invite links', async () => {
      const code = await sock.groupInviteCode(gid);
      expect(code).toBe(sim.groups.info(gid).inviteCode);
      const fresh = await sock.groupRevokeInvite(gid);
      expect(fresh).not.toBe(code);
      expect(await refusalCode(sock.groupGetInviteInfo(code!))).toBe(406);
      expect((await sock.groupGetInviteInfo(fresh!)).subject).toBe('Renamed by Bob');
      sim.groups.join(DAVE, fresh!);
      await eventually(
        () =>
          participantUpdates.filter(
            (u) => u.action === 'add' && u.participants.some((p) => p.id === pn(DAVE)),
          ).length >= 2,
        'Dave joining by link',
      );
    });

    it('checks whether a removed member’s old sender key opens the next message', async () => {
      const before = await sock.sendMessage(gid, { text: 'carol is still here' });
      await sim.groups.waitForMessage(CAROL, gid, { match: (m) => m.id === before!.key.id, sinceIndex: 0 });
      await sock.groupParticipantsUpdate(gid, [pn(CAROL)], 'remove');

      const after = await sock.sendMessage(gid, { text: 'carol has gone' });
      await sim.groups.waitForMessage(ALICE, gid, { match: (m) => m.id === after!.key.id, sinceIndex: 0 });
      expect(sim.groups.received(CAROL, gid).some((m) => m.id === after!.key.id)).toBe(false);
      // Baileys keeps its sender key: the removed member could still read it.
      expect(await sim.groups.canDecrypt(CAROL, gid, after!.key.id!)).toBe(true);

      // Forcing a new key: drop the own sender key and who has it; the next send distributes a new one.
      const me = B.jidDecode(client.meId)!;
      await sock.authState.keys.set({
        'sender-key': { [`${gid}::${me.user}::${me.device ?? 0}`]: null },
        'sender-key-memory': { [gid]: null },
      });
      const rotated = await sock.sendMessage(gid, { text: 'new key' });
      for (const member of [ALICE, BOB]) {
        const got = await sim.groups.waitForMessage(member, gid, {
          match: (m) => m.id === rotated!.key.id,
          sinceIndex: 0,
        });
        expect(messageText(got.message)).toBe('new key');
      }
      expect(await sim.groups.canDecrypt(CAROL, gid, rotated!.key.id!)).toBe(false);
      expect(await sim.groups.canDecrypt(ALICE, gid, rotated!.key.id!)).toBe(true);
    });
  });

  describe('a group a contact runs', () => {
    let gid: string;

    beforeAll(() => {
      gid = sim.groups.create(ALICE, [BOB, ACCOUNT], { subject: 'Alice’s' }).jid;
    });

    it('refuses a non-admin with 401 and an unknown group with 404', async () => {
      await eventually(() => groupUpserts.find((g) => g.id === gid), 'the create notification');
      expect(await refusalCode(sock.groupParticipantsUpdate(gid, [pn(CAROL)], 'add'))).toBe(401);
      expect(await refusalCode(sock.groupSettingUpdate(gid, 'announcement'))).toBe(401);
      expect(await refusalCode(sock.groupInviteCode(gid))).toBe(401);
      expect(await refusalCode(sock.groupMetadata('120363999999999999@g.us'))).toBe(404);
    });

    it('lets the account leave, after which the group is closed to it', async () => {
      await sock.groupLeave(gid);
      expect(sim.groups.info(gid).participants.map((p) => p.phoneNumber)).toEqual([ALICE, BOB]);
      await eventually(
        () =>
          participantUpdates.find(
            (u) => u.id === gid && u.action === 'remove' && u.participants.some((p) => p.id === pn(ACCOUNT)),
          ),
        'the leave notification',
      );
      expect(await refusalCode(sock.groupMetadata(gid))).toBe(403);
    });

    it('lets the account read an invite and join by code', async () => {
      const code = sim.groups.inviteCode(ALICE, gid);
      expect((await sock.groupGetInviteInfo(code)).subject).toBe('Alice’s');
      expect(await sock.groupAcceptInvite(code)).toBe(gid);
      expect(sim.groups.info(gid).participants.some((p) => p.phoneNumber === ACCOUNT)).toBe(true);
    });
  });

  describe('a lid-addressed group', () => {
    let gid: string;

    beforeAll(() => {
      gid = sim.groups.create(BOB, [ALICE, ACCOUNT], { subject: 'LID group', addressingMode: 'lid' }).jid;
    });

    it('names members by LID with phone numbers beside them, both ways', async () => {
      const meta = await sock.groupMetadata(gid);
      expect(meta.addressingMode).toBe('lid');
      expect(meta.participants.find((p) => p.id === sim.user(ALICE).lidJid)?.phoneNumber).toBe(pn(ALICE));

      const sent = await sock.sendMessage(gid, { text: 'to a lid group' });
      for (const member of [ALICE, BOB]) {
        const got = await sim.groups.waitForMessage(member, gid, {
          match: (m) => m.id === sent!.key.id,
          sinceIndex: 0,
        });
        expect(messageText(got.message)).toBe('to a lid group');
      }
      const id = await sim.groups.send(BOB, gid, { text: 'from bob by lid' });
      const upsert = await client.waitForUpsert((m) => m.key.id === id);
      expect(upsert.key).toMatchObject({
        remoteJid: gid,
        participant: sim.user(BOB).lidJid,
        participantAlt: pn(BOB),
      });
    });
  });

  it('delivers a status update and a newsletter post with their own remoteJid', async () => {
    const statusId = await sim.sendStatus(CAROL, [ACCOUNT], { text: 'my status' });
    const status = await client.waitForUpsert((m) => m.key.id === statusId);
    expect(status.key).toMatchObject({ remoteJid: 'status@broadcast', participant: pn(CAROL) });
    expect(status.message?.conversation).toBe('my status');

    const post = await sim.sendNewsletterMessage(ACCOUNT, { text: 'channel news' });
    const upsert = await client.waitForUpsert((m) => m.key.id === post.id);
    expect(upsert.key.remoteJid).toBe(post.newsletterJid);
    expect(post.newsletterJid).toMatch(/@newsletter$/);
    expect(upsert.message?.conversation).toBe('channel news');
  });
});
