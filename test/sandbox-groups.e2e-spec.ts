import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { SandboxRuntime } from '../src/sandbox/mode/sandbox-runtime';
import { BaileysTestClient } from './support/baileys-test-client';
import { eventually } from './support/gateway-fixture';
import { SandboxApp } from './support/sandbox-app';

const ACCOUNT = '6281299990101';
const ALICE = '6281100000101';
const BOB = '6281100000102';
const CAROL = '6281100000103';
const pn = (phone: string): string => `${phone}@s.whatsapp.net`;

/**
 * The sandbox's group routes, in an app started in sandbox mode (no demo), with a raw Baileys client
 * linked to the same simulator standing in for a session's phone.
 */
describe('sandbox group routes', () => {
  const sandbox = new SandboxApp();
  let runtime: SandboxRuntime;
  let app: NestExpressApplication;
  let admin: string;
  let client: BaileysTestClient;
  const removed: string[] = [];

  const api = () => request(app.getHttpServer());
  const auth = (req: request.Test) => req.set('authorization', `Bearer ${admin}`);

  beforeAll(async () => {
    ({ runtime, app, admin } = await sandbox.start('wagw_sbgroups'));
    for (const [phoneNumber, pushName] of [
      [ALICE, 'Alice'],
      [BOB, 'Bob'],
      [CAROL, 'Carol'],
    ]) {
      await auth(api().post('/api/v1/sandbox/contacts')).send({ phoneNumber, pushName }).expect(201);
    }
    client = new BaileysTestClient(runtime.simulator);
    await client.pair(ACCOUNT);
    client.socket!.ev.on('group-participants.update', (u) => {
      if (u.action === 'remove') removed.push(...u.participants.map((p) => p.id));
    });
  });
  afterAll(async () => {
    client?.end();
    await sandbox.close();
  });

  it('creates a group, makes a member write in it with a mention, and shows what each member received', async () => {
    const created = await auth(api().post('/api/v1/sandbox/groups'))
      .send({ owner: ALICE, members: [BOB, CAROL, ACCOUNT], subject: 'Sandbox group' })
      .expect(201);
    const group = created.body.data;
    expect(group).toMatchObject({ subject: 'Sandbox group', owner: ALICE, addressingMode: 'pn' });
    expect(group.participants).toHaveLength(4);
    const info = await auth(api().get(`/api/v1/sandbox/groups/${group.jid}`)).expect(200);
    expect(
      info.body.data.participants.find((p: { phoneNumber: string }) => p.phoneNumber === ALICE).role,
    ).toBe('superadmin');

    const sent = await auth(api().post(`/api/v1/sandbox/groups/${group.jid}/messages`))
      .send({ from: ALICE, text: `hello @${ACCOUNT}`, mentions: [ACCOUNT] })
      .expect(201);
    const id = sent.body.data.messageId as string;
    const upsert = await client.waitForUpsert((m) => m.key.id === id);
    expect(upsert.key).toMatchObject({ remoteJid: group.jid, participant: pn(ALICE) });
    expect(upsert.message?.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([pn(ACCOUNT)]);

    const received = await auth(api().get(`/api/v1/sandbox/groups/${group.jid}/messages`)).expect(200);
    const byMember = new Map(received.body.data.map((m: { member: string }) => [m.member, m]));
    expect(byMember.get(BOB)).toMatchObject({
      id,
      from: ALICE,
      text: `hello @${ACCOUNT}`,
      mentions: [pn(ACCOUNT)],
    });
    expect(byMember.get(CAROL)).toMatchObject({ id });
    expect(byMember.has(ALICE)).toBe(false);

    // The session's phone writes; the members decrypt it and the route says so.
    const out = await client.socket!.sendMessage(group.jid, { text: 'from the session' });
    const bobs = await eventually(async () => {
      const res = await auth(api().get(`/api/v1/sandbox/groups/${group.jid}/messages?member=${BOB}`)).expect(
        200,
      );
      return res.body.data.find((m: { id: string }) => m.id === out!.key.id);
    });
    expect(bobs.text).toBe('from the session');
    const check = await auth(
      api().get(`/api/v1/sandbox/groups/${group.jid}/messages/${out!.key.id}/decryptable?member=${CAROL}`),
    ).expect(200);
    expect(check.body.data).toEqual({ member: CAROL, decryptable: true });
  });

  it('changes participants as an admin, refuses a non-admin, and renames', async () => {
    const group = (
      await auth(api().post('/api/v1/sandbox/groups'))
        .send({ owner: ALICE, members: [BOB, CAROL, ACCOUNT] })
        .expect(201)
    ).body.data;
    const refused = await auth(api().post(`/api/v1/sandbox/groups/${group.jid}/participants`))
      .send({ actor: BOB, action: 'remove', participants: [CAROL] })
      .expect(403);
    expect(refused.body.code).toBe('FORBIDDEN');

    const done = await auth(api().post(`/api/v1/sandbox/groups/${group.jid}/participants`))
      .send({ actor: ALICE, action: 'remove', participants: [CAROL, '6281100000999'] })
      .expect(200);
    expect(done.body.data.map((r: { status: number }) => r.status)).toEqual([200, 404]);
    await eventually(() => removed.includes(pn(CAROL)));

    const renamed = await auth(api().put(`/api/v1/sandbox/groups/${group.jid}/subject`))
      .send({ actor: BOB, subject: 'Renamed' })
      .expect(200);
    expect(renamed.body.data.subject).toBe('Renamed');
  });

  it('answers bad input with 400 and its fields, unknown things with 404, strangers with 401', async () => {
    const bad = await auth(api().post('/api/v1/sandbox/groups'))
      .send({ owner: 'x', members: ['abc'] })
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_ERROR');
    await auth(api().post('/api/v1/sandbox/groups')).send({ owner: ALICE, members: [] }).expect(400);
    expect(
      (await auth(api().get('/api/v1/sandbox/groups/not-a-group')).expect(400)).body.details[0].field,
    ).toBe('jid');
    await auth(api().get('/api/v1/sandbox/groups/120363000000000999@g.us')).expect(404);
    await auth(api().post('/api/v1/sandbox/groups'))
      .send({ owner: ALICE, members: ['6281100000888'] })
      .expect(404);
    await api().get('/api/v1/sandbox/groups/120363000000000999@g.us').expect(401);
  });
});
