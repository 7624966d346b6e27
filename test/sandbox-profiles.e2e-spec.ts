import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { SandboxRuntime } from '../src/sandbox/mode/sandbox-runtime';
import { BaileysTestClient } from './support/baileys-test-client';
import { SandboxApp } from './support/sandbox-app';

const ACCOUNT = '6281299990801';
const ALICE = '6281100000801';
const pn = (phone: string): string => `${phone}@s.whatsapp.net`;

/**
 * The sandbox's profile and block-list routes, in an app started in sandbox mode (no demo), with a
 * raw Baileys client linked to the same simulator: what the route sets is what Baileys'
 * profilePictureUrl and fetchStatus answer, and Baileys' updateBlockStatus shows in the block list.
 */
describe('sandbox profile and block-list routes', () => {
  const sandbox = new SandboxApp();
  let runtime: SandboxRuntime;
  let app: NestExpressApplication;
  let admin: string;
  let client: BaileysTestClient;

  const api = () => request(app.getHttpServer());
  const auth = (req: request.Test) => req.set('authorization', `Bearer ${admin}`);
  const socket = () => client.socket!;

  beforeAll(async () => {
    ({ runtime, app, admin } = await sandbox.start('wagw_sbprofiles'));
    await auth(api().post('/api/v1/sandbox/contacts')).send({ phoneNumber: ALICE }).expect(201);
    client = new BaileysTestClient(runtime.simulator);
    await client.pair(ACCOUNT);
  });
  afterAll(async () => {
    client?.end();
    await sandbox.close();
  });

  it("sets a contact's picture and about: Baileys reads them; removed, the picture is WhatsApp's 404", async () => {
    const url = 'https://pps.whatsapp.net/v/t61.24694-24/alice.jpg';
    const set = await auth(api().put(`/api/v1/sandbox/contacts/${ALICE}/profile`))
      .send({ pictureUrl: url, about: 'At the gym' })
      .expect(200);
    expect(set.body.data).toEqual({ phoneNumber: ALICE, pictureUrl: url, about: 'At the gym' });
    expect(await socket().profilePictureUrl(pn(ALICE), 'image')).toBe(url);
    const [status] = (await socket().fetchStatus(pn(ALICE))) as unknown as { status: { status: string } }[];
    expect(status.status.status).toBe('At the gym');

    await auth(api().put(`/api/v1/sandbox/contacts/${ALICE}/profile`))
      .send({ pictureUrl: null })
      .expect(200);
    const read = await auth(api().get(`/api/v1/sandbox/contacts/${ALICE}/profile`)).expect(200);
    expect(read.body.data).toEqual({ phoneNumber: ALICE, pictureUrl: null, about: 'At the gym' });
    await expect(socket().profilePictureUrl(pn(ALICE), 'image')).rejects.toMatchObject({ data: 404 });
  });

  it("shows the account's block list as Baileys changes it", async () => {
    const blocklist = async () =>
      (await auth(api().get(`/api/v1/sandbox/contacts/${ACCOUNT}/blocklist`)).expect(200)).body.data;
    expect(await blocklist()).toEqual({ phoneNumber: ACCOUNT, blocked: [] });
    await socket().updateBlockStatus(pn(ALICE), 'block');
    expect(await blocklist()).toEqual({ phoneNumber: ACCOUNT, blocked: [ALICE] });
    expect(await socket().fetchBlocklist()).toEqual([runtime.simulator.user(ALICE).lidJid]);
    await socket().updateBlockStatus(pn(ALICE), 'unblock');
    expect(await blocklist()).toEqual({ phoneNumber: ACCOUNT, blocked: [] });
  });

  it('answers 400 with the fields for bad input, 404 for an unknown contact', async () => {
    const badUrl = await auth(api().put(`/api/v1/sandbox/contacts/${ALICE}/profile`))
      .send({ pictureUrl: 'not a url' })
      .expect(400);
    expect(JSON.stringify(badUrl.body.details)).toContain('pictureUrl');
    const badPhone = await auth(api().get('/api/v1/sandbox/contacts/12ab/profile')).expect(400);
    expect(JSON.stringify(badPhone.body.details)).toContain('phone');
    await auth(api().get('/api/v1/sandbox/contacts/6281100000899/blocklist')).expect(404);
  });
});
