import * as B from '@whiskeysockets/baileys';
import { BaileysTestClient } from '../../support/baileys-test-client';
import { SimulatorFixture } from '../../support/simulator-fixture';
import type { DisconnectCode } from '../../../src/sandbox/simulator/whatsapp-simulator';

const { DisconnectReason } = B;

describe('close codes Baileys reports (raw Baileys)', () => {
  const fixture = new SimulatorFixture();
  const sim = fixture.simulator;
  let nextNumber = 15550400001;

  beforeAll(() => fixture.start());
  afterAll(() => fixture.close());

  async function pairedDevice(
    keepAliveIntervalMs?: number,
  ): Promise<{ client: BaileysTestClient; phoneNumber: string }> {
    const phoneNumber = String(nextNumber++);
    const client = await fixture.pairedClient(phoneNumber, { keepAliveIntervalMs });
    return { client, phoneNumber };
  }

  it.each<[DisconnectCode, number]>([
    [401, DisconnectReason.loggedOut],
    [428, DisconnectReason.connectionClosed],
    [440, DisconnectReason.connectionReplaced],
    [500, DisconnectReason.badSession],
    [515, DisconnectReason.restartRequired],
  ])('disconnect with %i makes Baileys report %i', async (code, expected) => {
    const { client, phoneNumber } = await pairedDevice();
    const closed = client.waitForClose();
    sim.disconnect({ phoneNumber, deviceId: 1 }, code);
    expect(await closed).toBe(expected);
  });

  it('401 removes the device: it cannot log in again', async () => {
    const { client, phoneNumber } = await pairedDevice();
    const closed = client.waitForClose();
    sim.disconnect({ phoneNumber, deviceId: 1 }, 401);
    await closed;
    expect(sim.devices(phoneNumber)).toEqual([]);
    client.connect();
    expect(await client.waitForClose()).toBe(DisconnectReason.loggedOut);
  });

  it('515 and 500 leave the device linked: it logs in again', async () => {
    const { client, phoneNumber } = await pairedDevice();
    const closed = client.waitForClose();
    sim.disconnect({ phoneNumber, deviceId: 1 }, 500);
    await closed;
    await client.reconnect();
    expect(sim.devices(phoneNumber)[0].online).toBe(true);
  });

  it('a second connection of the same device replaces the first with 440', async () => {
    const { client } = await pairedDevice();
    const closed = client.waitForClose();
    const second = fixture.adopt(new BaileysTestClient(sim, client.auth));
    second.connect();
    await second.waitForOpen();
    expect(await closed).toBe(DisconnectReason.connectionReplaced);
  });

  it('a cut connection is reported as 428', async () => {
    const { client, phoneNumber } = await pairedDevice();
    const closed = client.waitForClose();
    sim.cutConnection({ phoneNumber, deviceId: 1 });
    expect(await closed).toBe(DisconnectReason.connectionClosed);
  });

  it('408 when the server goes silent and Baileys’ keep-alive gives up', async () => {
    const { client, phoneNumber } = await pairedDevice(500);
    const closed = client.waitForClose(15_000);
    sim.disconnect({ phoneNumber, deviceId: 1 }, 408);
    expect(await closed).toBe(DisconnectReason.connectionLost);
  });
});
