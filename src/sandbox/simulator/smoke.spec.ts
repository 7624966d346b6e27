import * as B from '@whiskeysockets/baileys';
import { disableSandboxBaileys, enableSandboxBaileys } from '../baileys-sandbox-switch';
import { BaileysTestClient, silenceLibsignalConsole } from '../testing/baileys-test-client';
import { WhatsAppSimulator } from './whatsapp-simulator';

describe('smoke', () => {
  const sim = new WhatsAppSimulator();
  let restoreConsole: () => void;
  beforeAll(async () => {
    restoreConsole = silenceLibsignalConsole();
    await sim.start();
    enableSandboxBaileys(sim);
  });
  afterAll(async () => {
    disableSandboxBaileys();
    await sim.stop();
    restoreConsole();
  });

  it('pairs, logs in, receives and sends', async () => {
    sim.createContact('15550000002', { pushName: 'Bob' });
    const client = new BaileysTestClient(sim);
    const t0 = Date.now();
    await client.pair('15550000001');
    console.log('paired in', Date.now() - t0);
    const id = await sim.sendMessage('15550000002', '15550000001', { text: 'hello' });
    const got = await client.waitForUpsert(m => m.key.id === id);
    expect(got.message?.conversation).toBe('hello');
    const sent = await client.socket!.sendMessage('15550000002@s.whatsapp.net', { text: 'hi back' });
    const arrived = await sim.waitForMessage('15550000002', { match: m => m.id === sent!.key.id });
    expect(arrived.message.extendedTextMessage?.text ?? arrived.message.conversation).toBe('hi back');
    await client.waitForStatus(sent!.key.id!, B.proto.WebMessageInfo.Status.DELIVERY_ACK);
    console.log('done in', Date.now() - t0);
    client.end();
  });
});
