import { proto } from '@whiskeysockets/baileys';
import { SealedData } from '../src/crypto/sealed-data';
import { SecretBox } from '../src/crypto/secret-box';
import { PrismaService } from '../src/prisma/prisma.service';
import { AuthKeyWriter } from '../src/whatsapp/auth-key-writer';
import { AuthStateStore, type SessionAuthState } from '../src/whatsapp/auth-state.store';
import { eventually } from './support/gateway-fixture';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { testConfig } from './support/test-app';

/** One gateway process's view of the auth state: its own client, writer and key cache. */
function processView(databaseUrl: string) {
  const config = testConfig(databaseUrl);
  const prisma = new PrismaService(config);
  const writer = new AuthKeyWriter(prisma);
  const store = new AuthStateStore(prisma, new SecretBox(config), writer, new SealedData());
  const close = async () => {
    await writer.flush();
    await prisma.$disconnect();
  };
  return { prisma, writer, store, close };
}

describe('auth state in MariaDB: sealed rows, cached reads, write-behind', () => {
  let db: TestDatabase;
  let first: ReturnType<typeof processView>;
  let auth: SessionAuthState;

  beforeAll(async () => {
    db = await createTestDatabase();
    first = processView(db.url);
    await first.prisma.whatsappSession.create({ data: { id: 'keys', name: 'keys' } });
    auth = await first.store.load('keys');
  });
  afterAll(async () => {
    await first.close();
    await db.drop();
  });

  it('serves a written key at once and writes it, sealed, within the write-behind window', async () => {
    const session = { _sessions: { abc: { registrationId: 7, chain: 'plain-marker-1234' } }, version: 'v1' };
    await auth.keys.set({ session: { '15550001.0': session as never } });
    expect((await auth.keys.get('session', ['15550001.0']))['15550001.0']).toEqual(session);

    const rows = await eventually(
      async () => {
        const found = await first.prisma.sessionAuthKey.findMany({ where: { sessionId: 'keys' } });
        return found.length > 0 && found;
      },
      3000,
      20,
    );
    expect(rows.map((r) => [r.category, r.keyId])).toEqual([['session', '15550001.0']]);
    expect(Buffer.from(rows[0].value).toString('latin1')).not.toContain('plain-marker-1234');
  });

  it('lets another process (after a takeover) read every key back from the database, deletes included', async () => {
    const syncKey = proto.Message.AppStateSyncKeyData.fromObject({
      keyData: Buffer.from('k3y'),
      timestamp: 5,
    });
    await auth.keys.set({
      'app-state-sync-key': { AAAA: syncKey },
      'pre-key': { '1': { public: Buffer.from([1, 2]), private: Buffer.from([3, 4]) }, '2': null },
    });
    await auth.keys.set({ 'pre-key': { '1': null } });
    await first.writer.flush();

    const second = processView(db.url);
    try {
      const keys = (await second.store.load('keys')).keys;
      const sync = (await keys.get('app-state-sync-key', ['AAAA'])).AAAA;
      expect(sync).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
      expect(Buffer.from(sync.keyData!).toString()).toBe('k3y');
      expect(await keys.get('pre-key', ['1', '2'])).toEqual({});
      expect(Object.keys(await keys.get('session', ['15550001.0']))).toEqual(['15550001.0']);
    } finally {
      await second.close();
    }
  });

  it('remembers that a key is absent: only the lease holder writes a session’s keys', async () => {
    expect(await auth.keys.get('sender-key', ['group-1'])).toEqual({});
    // A row appearing behind the holder's back (nothing in the gateway does this) is not seen...
    await first.prisma
      .$executeRaw`INSERT INTO session_auth_keys (session_id, category, key_id, value, updated_at)
      VALUES ('keys', 'sender-key', 'group-1', X'00', NOW(3))`;
    expect(await auth.keys.get('sender-key', ['group-1'])).toEqual({});
    // ...while what the holder itself writes is.
    await auth.keys.set({ 'sender-key': { 'group-1': Buffer.from('sk') } });
    expect(Buffer.from((await auth.keys.get('sender-key', ['group-1']))['group-1']).toString()).toBe('sk');
  });

  it('answers reads in the order they were asked, even when the first must go to the database', async () => {
    const fresh = await first.store.load('keys'); // an empty cache: the first read is a database read
    const order: string[] = [];
    await Promise.all([
      (async () => {
        await fresh.keys.get('session', ['15550001.0']);
        order.push('database read');
      })(),
      (async () => {
        await fresh.keys.set({ 'lid-mapping': { x: 'y' } });
        await fresh.keys.get('lid-mapping', ['x']);
        order.push('memory read');
      })(),
    ]);
    expect(order).toEqual(['database read', 'memory read']);
  });

  it('reopens with credentials whose write failed and waits for its retry, not the older stored ones', async () => {
    // The paired credentials are queued when WhatsApp restarts the socket (515); a write that fails
    // then (a deadlock, a blip) puts them back in the queue, and the reopened socket must use them.
    const paired = await first.store.load('keys');
    await paired.saveCreds();
    await first.writer.flush();
    paired.creds.me = { id: '15550009:1@s.whatsapp.net', name: 'paired' };
    paired.creds.registered = true;
    const write = jest.spyOn(first.prisma, '$transaction').mockRejectedValue(new Error('Deadlock found'));
    try {
      await paired.saveCreds();
      const reopened = await first.store.load('keys');
      expect(write).toHaveBeenCalled();
      expect(reopened.restored).toBe(true);
      expect(reopened.creds.me?.id).toBe('15550009:1@s.whatsapp.net');
    } finally {
      write.mockRestore();
    }
    await first.writer.flush();
    const second = processView(db.url);
    try {
      expect((await second.store.load('keys')).creds.me?.id).toBe('15550009:1@s.whatsapp.net');
    } finally {
      await second.close();
    }
  });
});
