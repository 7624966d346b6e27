import * as B from '@whiskeysockets/baileys';
import type { BaileysTestClient } from '../../support/baileys-test-client';
import { SimulatorFixture } from '../../support/simulator-fixture';
import { messageText } from '../../../src/sandbox/simulator/message-log';
import type { ReceiptInfo } from '../../../src/sandbox/simulator/types';

const ACCOUNT = '15550200001';
const ALICE = '15550200002';
const ECHO = '15550200003';
const { Status } = B.proto.WebMessageInfo;

describe('messages both ways (raw Baileys)', () => {
  const fixture = new SimulatorFixture();
  const sim = fixture.simulator;
  let client: BaileysTestClient;

  beforeAll(async () => {
    await fixture.start();
    sim.createContact(ALICE, { pushName: 'Alice' });
    sim.createContact(ECHO, { pushName: 'Echo', autoReply: { kind: 'echo' } });
    client = await fixture.pairedClient(ACCOUNT);
  });
  afterAll(() => fixture.close());

  it.each(['pn', 'pn-only', 'lid'] as const)(
    'delivers a contact’s text with %s addressing',
    async (addressing) => {
      const id = await sim.sendMessage(ALICE, ACCOUNT, { text: `hi via ${addressing}` }, { addressing });
      const upsert = await client.waitForUpsert((m) => m.key.id === id);
      expect(upsert.message?.conversation).toBe(`hi via ${addressing}`);
      expect(upsert.key.fromMe).toBe(false);
      expect(upsert.pushName).toBe('Alice');
      expect(client.upsertTypes.get(id)).toBe('notify');
    },
  );

  it('delivers a reply that quotes the message it answers', async () => {
    const sent = await client.socket!.sendMessage(`${ALICE}@s.whatsapp.net`, { text: 'question?' });
    await sim.waitForMessage(ALICE, { match: (m) => m.id === sent!.key.id, sinceIndex: 0 });
    const id = await sim.sendMessage(ALICE, ACCOUNT, { text: 'answer', replyTo: sent!.key.id! });
    const upsert = await client.waitForUpsert((m) => m.key.id === id);
    expect(upsert.message?.extendedTextMessage?.text).toBe('answer');
    expect(upsert.message?.extendedTextMessage?.contextInfo?.stanzaId).toBe(sent!.key.id);
    expect(upsert.message?.extendedTextMessage?.contextInfo?.quotedMessage?.extendedTextMessage?.text).toBe(
      'question?',
    );
  });

  it('lets the receiving contact decrypt exactly what Baileys sent, and acks it as delivered', async () => {
    const sent = await client.socket!.sendMessage(`${ALICE}@s.whatsapp.net`, { text: 'exact bytes ✓' });
    const received = await sim.waitForMessage(ALICE, { match: (m) => m.id === sent!.key.id, sinceIndex: 0 });
    expect(messageText(received.message)).toBe('exact bytes ✓');
    expect(received).toMatchObject({
      fromPhoneNumber: ACCOUNT,
      fromDevice: 1,
      toPhoneNumber: ALICE,
      fromOwnDevice: false,
    });
    await client.waitForStatus(sent!.key.id!, Status.DELIVERY_ACK);
  });

  it('sends a copy to the account’s own phone that tests can read but that is not in the contact log', async () => {
    const sent = await client.socket!.sendMessage(`${ALICE}@s.whatsapp.net`, { text: 'own copy' });
    await sim.waitForMessage(ALICE, { match: (m) => m.id === sent!.key.id, sinceIndex: 0 });
    const own = sim.receivedMessages(ACCOUNT, { includeOwnDevice: true }).find((m) => m.id === sent!.key.id);
    expect(own && messageText(own.message)).toBe('own copy');
    expect(sim.receivedMessages(ACCOUNT).some((m) => m.id === sent!.key.id)).toBe(false);
  });

  it('reports a read receipt when the contact reads the message', async () => {
    const sent = await client.socket!.sendMessage(`${ALICE}@s.whatsapp.net`, { text: 'please read' });
    await sim.waitForMessage(ALICE, { match: (m) => m.id === sent!.key.id, sinceIndex: 0 });
    sim.sendReceipt(ALICE, sent!.key.id!, 'read');
    await client.waitForStatus(sent!.key.id!, Status.READ);
  });

  it('tells the simulator when Baileys marks a contact’s message read', async () => {
    const id = await sim.sendMessage(ALICE, ACCOUNT, { text: 'read me' });
    const upsert = await client.waitForUpsert((m) => m.key.id === id);
    const receipt = new Promise<ReceiptInfo>((resolve) =>
      sim.on('receipt', (r) => r.messageIds.includes(id) && r.type === 'read' && resolve(r)),
    );
    await client.socket!.readMessages([upsert.key]);
    expect(await receipt).toMatchObject({ toPhoneNumber: ALICE, fromPhoneNumber: ACCOUNT, fromDevice: 1 });
  });

  it('has an auto-reply contact answer each text with its echo', async () => {
    const sent = await client.socket!.sendMessage(`${ECHO}@s.whatsapp.net`, { text: 'ping 42' });
    const reply = await client.waitForUpsert(
      (m) => m.key.remoteJid === `${ECHO}@s.whatsapp.net` && !m.key.fromMe,
    );
    expect(reply.message?.conversation).toBe('ping 42');
    expect(reply.key.id).not.toBe(sent!.key.id);
  });

  it('answers onWhatsApp with in for simulated numbers and out for unknown ones', async () => {
    const results = await client.socket!.onWhatsApp(ALICE, '15559999999');
    expect(results).toEqual([{ jid: `${ALICE}@s.whatsapp.net`, exists: true }]);
  });

  it('routes messages between two accounts’ companions', async () => {
    const other = await fixture.pairedClient('15550200009');
    const sent = await client.socket!.sendMessage('15550200009@s.whatsapp.net', {
      text: 'account to account',
    });
    const upsert = await other.waitForUpsert((m) => m.key.id === sent!.key.id);
    expect(upsert.message?.extendedTextMessage?.text ?? upsert.message?.conversation).toBe(
      'account to account',
    );
    expect(upsert.key.remoteJid).toBe(`${ACCOUNT}@s.whatsapp.net`);
  });
});
