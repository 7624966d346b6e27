import type { BaileysTestClient } from '../testing/baileys-test-client';
import { SimulatorFixture } from '../testing/simulator-fixture';

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
    // Link in waves of 10: each pairing costs ~0.8 s of CPU (pure-JS curve25519 signatures in Baileys
    // and libsignal), so 50 at once would starve the QR and query timeouts on a 2-core machine.
    for (let i = 0; i < numbers.length; i += 10) {
      clients.push(
        ...(await Promise.all(numbers.slice(i, i + 10).map((number) => fixture.pairedClient(number)))),
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
