import type { BaileysTestClient } from '../../support/baileys-test-client';
import { SimulatorFixture } from '../../support/simulator-fixture';

const SOCKETS = 50;
const CONTACT = '15550600000';

describe('50 raw Baileys sockets at once', () => {
  const fixture = new SimulatorFixture();
  const sim = fixture.simulator;
  const clients: BaileysTestClient[] = [];

  beforeAll(async () => {
    await fixture.start();
    sim.createContact(CONTACT, { pushName: 'Broadcaster' });
  });
  afterAll(() => fixture.close());

  it('links all of them and delivers one message to each', async () => {
    const numbers = Array.from({ length: SOCKETS }, (_, i) => String(15550610000 + i));
    // Link in waves of 5: each pairing costs ~0.4 s of CPU on this one thread (pure-JS curve25519
    // signatures in Baileys, libsignal and the simulator), so a big wave on a slow machine starves
    // the last QR past its 10 s timeout.
    for (let i = 0; i < numbers.length; i += 5) {
      clients.push(
        ...(await Promise.all(numbers.slice(i, i + 5).map((number) => fixture.pairedClient(number)))),
      );
    }
    expect(numbers.every((number) => sim.devices(number)[0]?.online)).toBe(true);

    const ids = await Promise.all(
      numbers.map((number) => sim.sendMessage(CONTACT, number, { text: `hello ${number}` })),
    );
    const upserts = await Promise.all(
      clients.map((client, i) => client.waitForUpsert((m) => m.key.id === ids[i], 30_000)),
    );
    expect(upserts.map((m) => m.message?.conversation)).toEqual(numbers.map((number) => `hello ${number}`));
  }, 120_000);
});
