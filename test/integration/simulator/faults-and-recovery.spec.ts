import * as B from '@whiskeysockets/baileys';
import type { BaileysTestClient } from '../../support/baileys-test-client';
import { SimulatorFixture } from '../../support/simulator-fixture';
import { messageText } from '../../../src/sandbox/simulator/message-log';
import type { DeviceInfo } from '../../../src/sandbox/simulator/types';

const ACCOUNT = '15550500001';
const DAVE = '15550500002';
const { Status } = B.proto.WebMessageInfo;

describe('fault injection, retries and offline delivery (raw Baileys)', () => {
  const fixture = new SimulatorFixture();
  const sim = fixture.simulator;
  let client: BaileysTestClient;

  beforeAll(async () => {
    await fixture.start();
    sim.createContact(DAVE, { pushName: 'Dave' });
    client = await fixture.pairedClient(ACCOUNT);
  });
  afterEach(() => sim.faults.clear());
  afterAll(() => fixture.close());

  const sendToDave = async (text: string): Promise<string> => {
    const sent = await client.socket!.sendMessage(`${DAVE}@s.whatsapp.net`, { text });
    return sent!.key.id!;
  };

  it.each([463, 479, 429])(
    'refuses the next send with error %i in the server ack, then accepts again',
    async (code) => {
      sim.faults.refuseSends(code, 1);
      const refused = await sendToDave(`refused ${code}`);
      await client.waitForStatus(refused, Status.ERROR);
      // Seen as an update, or merged into the upsert when Baileys was still buffering events.
      const parameters =
        client.updates.find((u) => u.key.id === refused && u.update.status === Status.ERROR)?.update
          .messageStubParameters ?? client.upserts.find((m) => m.key.id === refused)?.messageStubParameters;
      expect(parameters?.[0]).toBe(String(code));
      expect(sim.receivedMessages(DAVE).some((m) => m.id === refused)).toBe(false);

      const accepted = await sendToDave(`accepted after ${code}`);
      await sim.waitForMessage(DAVE, { match: (m) => m.id === accepted, sinceIndex: 0 });
    },
  );

  it('refuses every send until the fault is cleared', async () => {
    sim.faults.refuseSends(429);
    const first = await sendToDave('one');
    const second = await sendToDave('two');
    await client.waitForStatus(first, Status.ERROR);
    await client.waitForStatus(second, Status.ERROR);
    sim.faults.clear();
    const third = await sendToDave('three');
    await sim.waitForMessage(DAVE, { match: (m) => m.id === third, sinceIndex: 0 });
  });

  it('delays delivery receipts', async () => {
    sim.faults.receiptDelayMs = 700;
    const started = Date.now();
    const id = await sendToDave('slow receipt');
    await sim.waitForMessage(DAVE, { match: (m) => m.id === id, sinceIndex: 0 });
    await client.waitForStatus(id, Status.DELIVERY_ACK);
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
  });

  it('drops receipts: the message arrives but Baileys never hears it was delivered', async () => {
    sim.faults.dropReceipts = true;
    const id = await sendToDave('no receipt');
    await sim.waitForMessage(DAVE, { match: (m) => m.id === id, sinceIndex: 0 });
    await expect(client.waitForStatus(id, Status.DELIVERY_ACK, 800)).rejects.toThrow(/never reached/);
  });

  it('slows every server frame by the configured delay', async () => {
    sim.faults.outgoingDelayMs = 300;
    const started = Date.now();
    const id = await sim.sendMessage(DAVE, ACCOUNT, { text: 'slow server' });
    await client.waitForUpsert((m) => m.key.id === id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('recovers an undecryptable message through Baileys’ retry receipt and a fresh session', async () => {
    sim.faults.undecryptableInbound = 1;
    const id = await sim.sendMessage(DAVE, ACCOUNT, { text: 'worth retrying' });
    const recovered = await client.waitForUpsert(
      (m) => m.key.id === id && m.message?.conversation === 'worth retrying',
    );
    expect(recovered.key.remoteJid).toBe(`${DAVE}@s.whatsapp.net`);
    // Baileys first upserted a CIPHERTEXT stub for the same id: the retry is what made it readable.
    expect(
      client.upserts.some(
        (m) => m.key.id === id && m.messageStubType === B.proto.WebMessageInfo.StubType.CIPHERTEXT,
      ),
    ).toBe(true);
  });

  it('queues messages while the device is offline and delivers them, marked offline, at its next login', async () => {
    const offline = new Promise<DeviceInfo>((resolve) => sim.once('device-offline', resolve));
    client.end();
    await offline;
    const first = await sim.sendMessage(DAVE, ACCOUNT, { text: 'while you were away 1' });
    const second = await sim.sendMessage(DAVE, ACCOUNT, { text: 'while you were away 2' });
    expect(sim.devices(ACCOUNT)[0]).toMatchObject({ online: false, queuedStanzas: 2 });

    await client.reconnect();
    const upserts = await Promise.all(
      [first, second].map((id) => client.waitForUpsert((m) => m.key.id === id)),
    );
    expect(upserts.map((m) => m.message?.conversation)).toEqual([
      'while you were away 1',
      'while you were away 2',
    ]);
    expect(client.upsertTypes.get(first)).toBe('append');
    expect(sim.devices(ACCOUNT)[0].queuedStanzas).toBe(0);
  });

  it('keeps the session working after a reconnect in both directions', async () => {
    const id = await sendToDave('after reconnect');
    const received = await sim.waitForMessage(DAVE, { match: (m) => m.id === id, sinceIndex: 0 });
    expect(messageText(received.message)).toBe('after reconnect');
  });
});
