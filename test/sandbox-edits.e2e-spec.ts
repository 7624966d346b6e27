import * as B from '@whiskeysockets/baileys';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { SandboxRuntime } from '../src/sandbox/mode/sandbox-runtime';
import { BaileysTestClient } from './support/baileys-test-client';
import { eventually } from './support/gateway-fixture';
import { SandboxApp } from './support/sandbox-app';

const ACCOUNT = '6281299990801';
const ALICE = '6281100000801';
const pn = (phone: string): string => `${phone}@s.whatsapp.net`;

/**
 * The sandbox's edit and delete routes, in an app started in sandbox mode (no demo), with a raw
 * Baileys client linked to the same simulator standing in for a session's phone: what a contact's
 * phone shows after the account edits or deletes, and a contact's own edit and delete as Baileys
 * receives them.
 */
describe('sandbox edit and delete routes', () => {
  const sandbox = new SandboxApp();
  let runtime: SandboxRuntime;
  let app: NestExpressApplication;
  let admin: string;
  let client: BaileysTestClient;

  const api = () => request(app.getHttpServer());
  const auth = (req: request.Test) => req.set('authorization', `Bearer ${admin}`);
  const route = (phone: string, id: string) => `/api/v1/sandbox/contacts/${phone}/messages/${id}`;

  beforeAll(async () => {
    ({ runtime, app, admin } = await sandbox.start('wagw_sbedits'));
    await auth(api().post('/api/v1/sandbox/contacts')).send({ phoneNumber: ALICE }).expect(201);
    client = new BaileysTestClient(runtime.simulator);
    await client.pair(ACCOUNT);
  });
  afterAll(async () => {
    client?.end();
    await sandbox.close();
  });

  it('shows what the contact’s phone shows after the account edits one message and deletes another', async () => {
    const first = await client.socket!.sendMessage(pn(ALICE), { text: 'at 5' });
    const second = await client.socket!.sendMessage(pn(ALICE), { text: 'wrong chat' });
    await eventually(async () => (await auth(api().get(route(ALICE, second!.key.id!)))).status === 200);

    await client.socket!.sendMessage(pn(ALICE), { text: 'at 6', edit: first!.key });
    await client.socket!.sendMessage(pn(ALICE), { delete: second!.key });

    const edited = await eventually(async () => {
      const res = await auth(api().get(route(ALICE, first!.key.id!))).expect(200);
      return res.body.data.edits.length ? res.body.data : null;
    });
    expect(edited).toEqual({ id: first!.key.id, text: 'at 6', edits: ['at 6'], revoked: false });
    const deleted = await eventually(async () => {
      const res = await auth(api().get(route(ALICE, second!.key.id!))).expect(200);
      return res.body.data.revoked ? res.body.data : null;
    });
    expect(deleted).toMatchObject({ text: 'wrong chat', revoked: true });
  });

  it('a contact edits and deletes a message it sent: Baileys receives the edit and the revoke', async () => {
    const id = await runtime.simulator.sendMessage(ALICE, ACCOUNT, { text: 'typo hre' });
    await client.waitForUpsert((m) => m.key.id === id);

    const edit = await auth(api().post(`${route(ALICE, id)}/edit`))
      .send({ to: ACCOUNT, text: 'typo here' })
      .expect(201);
    const editMsg = await client.waitForUpsert((m) => m.key.id === edit.body.data.editId);
    const editProtocol = B.normalizeMessageContent(editMsg.message)!.protocolMessage!;
    expect(editProtocol.type).toBe(B.proto.Message.ProtocolMessage.Type.MESSAGE_EDIT);
    expect(editProtocol.key!.id).toBe(id);
    expect(editProtocol.editedMessage!.conversation).toBe('typo here');
    // Baileys also reports it as an update of the message edited.
    await eventually(() => client.updates.find((u) => u.key.id === id && u.update.message?.editedMessage));

    const revoke = await auth(api().post(`${route(ALICE, id)}/revoke`))
      .send({ to: ACCOUNT })
      .expect(201);
    const revokeMsg = await client.waitForUpsert((m) => m.key.id === revoke.body.data.revokeId);
    expect(B.normalizeMessageContent(revokeMsg.message)!.protocolMessage).toMatchObject({
      type: B.proto.Message.ProtocolMessage.Type.REVOKE,
      key: expect.objectContaining({ id }),
    });
  });

  it('refuses a bad chat or text (400), an unknown contact or a message the phone never received (404)', async () => {
    const bad = await auth(api().post(`${route(ALICE, '3EB0AAAA')}/edit`))
      .send({ to: 'someone', text: '' })
      .expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['text', 'to']);
    await auth(api().post(`${route(ALICE, '3EB0AAAA')}/revoke`))
      .send({})
      .expect(400);
    const unknown = await auth(api().post(`${route('6281100000899', '3EB0AAAA')}/revoke`))
      .send({ to: ACCOUNT })
      .expect(404);
    expect(unknown.body.code).toBe('CONTACT_NOT_FOUND');
    const never = await auth(api().get(route(ALICE, '3EB0NEVER'))).expect(404);
    expect(never.body.code).toBe('MESSAGE_NOT_FOUND');
  });
});
