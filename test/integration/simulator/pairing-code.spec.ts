import * as B from '@whiskeysockets/baileys';
import { SimulatorFixture } from '../../support/simulator-fixture';
import type { DeviceInfo } from '../../../src/sandbox/simulator/types';

describe('pairing by phone number and code (raw Baileys)', () => {
  const fixture = new SimulatorFixture({ qrRefCount: 3 });
  const sim = fixture.simulator;

  beforeAll(() => fixture.start());
  afterAll(() => fixture.close());

  it('links when the phone types the code Baileys shows, restarts with 515 and logs in', async () => {
    const client = fixture.client();
    const socket = client.connect();
    await client.nextQr();
    const code = await socket.requestPairingCode('15550200001');
    expect(code).toMatch(/^[1-9A-HJ-NP-TV-Z]{8}$/);
    await eventuallyTrue(() => sim.awaitsPairingCode('15550200001'));
    const linked = new Promise<DeviceInfo>((resolve) => sim.once('device-linked', resolve));
    const closed = client.waitForClose();

    // Typed as the gateway shows it (ABCD-EFGH) and in lower case: the phone takes both.
    const device = await sim.enterPairingCode(
      '+1 555 020 0001',
      `${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase(),
    );

    expect(await closed).toBe(B.DisconnectReason.restartRequired);
    expect(await linked).toEqual(device);
    expect(device).toMatchObject({ phoneNumber: '15550200001', deviceId: 1 });
    expect(client.auth.creds.me?.id).toBe(device.jid);
    expect(client.auth.creds.registered).toBe(true);

    const online = new Promise<DeviceInfo>((resolve) => sim.once('device-online', resolve));
    await client.reconnect();
    expect((await online).jid).toBe(device.jid);
  });

  it('links nothing when the phone types a wrong code, and the half-registered creds get 401', async () => {
    const client = fixture.client();
    const socket = client.connect();
    await client.nextQr();
    const code = await socket.requestPairingCode('15550200002');
    await eventuallyTrue(() => sim.awaitsPairingCode('15550200002'));
    const wrong = code.startsWith('A') ? `B${code.slice(1)}` : `A${code.slice(1)}`;

    await expect(sim.enterPairingCode('15550200002', wrong)).rejects.toThrow(/could not open the key bundle/);

    expect(sim.devices('15550200002')).toEqual([]);
    // Baileys already took the link as done: registered, me = the bare phone jid, no account.
    await eventuallyTrue(() => client.auth.creds.registered === true);
    expect(client.auth.creds.me?.id).toBe('15550200002@s.whatsapp.net');
    expect(client.auth.creds.account).toBeUndefined();
    client.end();
    client.connect();
    expect(await client.waitForClose()).toBe(B.DisconnectReason.loggedOut);
  });

  it('refuses a code for a number nobody asked a code for', async () => {
    await expect(sim.enterPairingCode('15550200003', 'ABCDEFGH')).rejects.toThrow(/no companion is waiting/);
  });
});

async function eventuallyTrue(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
