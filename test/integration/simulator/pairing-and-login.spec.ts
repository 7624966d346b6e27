import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as B from '@whiskeysockets/baileys';
import { BaileysTestClient } from '../../support/baileys-test-client';
import { SimulatorFixture } from '../../support/simulator-fixture';
import type { DeviceInfo } from '../../../src/sandbox/simulator/types';

describe('QR pairing, 515 restart and login (raw Baileys)', () => {
  const fixture = new SimulatorFixture({ qrRefCount: 2 });
  const sim = fixture.simulator;

  beforeAll(() => fixture.start());
  afterAll(() => fixture.close());

  it('shows a QR, links when the simulated phone scans it, restarts with 515 and logs in', async () => {
    const client = fixture.client();
    client.connect();
    const qr = await client.nextQr();
    expect(qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#/);
    const linked = new Promise<DeviceInfo>((resolve) => sim.once('device-linked', resolve));
    const closed = client.waitForClose();

    const device = await sim.linkDevice(qr, { phoneNumber: '+1 555 010 0001' });

    expect(await closed).toBe(B.DisconnectReason.restartRequired);
    expect(await linked).toEqual(device);
    expect(client.auth.creds.me?.id).toBe(device.jid);
    expect(client.auth.creds.me?.lid).toBe(device.lid);
    expect(device).toMatchObject({ phoneNumber: '15550100001', deviceId: 1 });

    const online = new Promise<DeviceInfo>((resolve) => sim.once('device-online', resolve));
    await client.reconnect();
    expect((await online).jid).toBe(device.jid);
    // First login uploads Baileys' initial prekeys; the server now holds them for contacts.
    expect(sim.devices('15550100001')).toEqual([expect.objectContaining({ deviceId: 1, online: true })]);
  });

  it('creates the account on the fly and gives each new companion its own device id', async () => {
    const first = await fixture.pairedClient('15550100002');
    const second = await fixture.pairedClient('15550100002');
    expect(first.meId).toBe('15550100002:1@s.whatsapp.net');
    expect(second.meId).toBe('15550100002:2@s.whatsapp.net');
    expect(sim.devices('15550100002').map((d) => d.deviceId)).toEqual([1, 2]);
  });

  it('logs in again with saved credentials after the socket closed', async () => {
    const client = await fixture.pairedClient('15550100003');
    client.end();
    await client.reconnect();
    expect(sim.devices('15550100003')[0].online).toBe(true);
  });

  it('refuses a login of a device it does not know with 401', async () => {
    const client = await fixture.pairedClient('15550100004');
    client.end();
    const stranger = fixture.adopt(
      new BaileysTestClient(sim, {
        ...client.auth,
        creds: { ...client.auth.creds, me: { id: '15550100004:9@s.whatsapp.net' } },
      }),
    );
    stranger.connect();
    expect(await stranger.waitForClose()).toBe(B.DisconnectReason.loggedOut);
  });

  it('forgets a device that logs out, so its next login gets 401', async () => {
    const client = await fixture.pairedClient('15550100005');
    const removed = new Promise<DeviceInfo>((resolve) => sim.once('device-removed', resolve));
    const closed = client.waitForClose();
    await client.socket!.logout();
    expect(await closed).toBe(B.DisconnectReason.loggedOut);
    expect((await removed).jid).toBe('15550100005:1@s.whatsapp.net');
    expect(sim.devices('15550100005')).toEqual([]);
    client.connect();
    expect(await client.waitForClose()).toBe(B.DisconnectReason.loggedOut);
  });

  it('closes with 408 when every QR ref expired without a scan', async () => {
    const client = fixture.client({ qrTimeout: 300 });
    client.connect();
    await client.nextQr();
    expect(await client.waitForClose()).toBe(B.DisconnectReason.timedOut);
  });

  it('rejects a QR string that no connected client is showing', async () => {
    const client = fixture.client();
    client.connect();
    const qr = await client.nextQr();
    client.end();
    await expect(sim.linkDevice(qr, { phoneNumber: '15550100006' })).rejects.toThrow(
      /no client is showing|closed/,
    );
  });

  it('pairs and logs in with useMultiFileAuthState in a temporary folder', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sim-auth-'));
    try {
      const { state, saveCreds } = await B.useMultiFileAuthState(folder);
      const client = fixture.adopt(new BaileysTestClient(sim, state));
      client.connect().ev.on('creds.update', () => void saveCreds());
      const qr = await client.nextQr();
      const closed = client.waitForClose();
      await sim.linkDevice(qr, { phoneNumber: '15550100007' });
      expect(await closed).toBe(B.DisconnectReason.restartRequired);
      client.connect().ev.on('creds.update', () => void saveCreds());
      await client.waitForOpen();
      client.end();
      const reloaded = await B.useMultiFileAuthState(folder);
      expect(reloaded.state.creds.me?.id).toBe('15550100007:1@s.whatsapp.net');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
