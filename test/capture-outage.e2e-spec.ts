import { createServer, connect, type Server, type Socket } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Database } from '../src/prisma/database';
import { PrismaService } from '../src/prisma/prisma.service';
import { WhatsappIngest } from '../src/whatsapp/whatsapp-ingest';
import { eventually, GatewayFixture, linkSession } from './support/gateway-fixture';
import { TEST_SERVER_URL } from './support/test-database';

const CONTACT = '6281100000009';
const PHONE = '6281200000009';

/**
 * A TCP hop between the gateway and MariaDB that the test can cut, as a network outage would. It
 * keeps its port while cut (another socket could take a freed port), dropping every connection.
 */
class CuttableLink {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private isCut = false;
  port = 0;

  constructor(private readonly target: URL) {}

  async listen(): Promise<void> {
    const server = createServer((client) => {
      client.on('error', () => undefined);
      if (this.isCut) return void client.destroy();
      const upstream = connect(Number(this.target.port || 3306), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Drops the open connections and every new one until `restore`. */
  cut(): void {
    this.isCut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('message capture through a database outage (real MariaDB behind a cuttable link)', () => {
  const fixture = new GatewayFixture();
  const link = new CuttableLink(new URL(TEST_SERVER_URL));
  let app: NestExpressApplication;

  beforeAll(async () => {
    await fixture.start();
    await link.listen();
    const url = new URL(fixture.db.url);
    url.port = String(link.port);
    url.searchParams.set('pool_timeout', '1'); // a write fails after 1 s without a connection
    app = await fixture.startApp(fixture.config({ DATABASE_URL: url.toString() }));
    fixture.simulator.createContact(CONTACT, { pushName: 'Outage' });
    await linkSession(fixture, app, 'outage', PHONE);
  });
  afterAll(async () => {
    link.restore();
    await fixture.close();
    await link.close();
  });

  it('keeps messages that arrive while MariaDB is unreachable and stores them, in order, once it is back', async () => {
    // A first message opens the contact's Signal session; later ones decrypt with keys held in memory.
    const prisma = app.get(PrismaService);
    const first = await fixture.simulator.sendMessage(CONTACT, PHONE, { text: 'before outage' });
    await eventually(() => prisma.message.findFirst({ where: { waMessageId: first } }));
    // A group (LID-addressed) whose message, journaled, must keep its kind and author.
    const group = fixture.simulator.groups.create(CONTACT, [PHONE], { addressingMode: 'lid' });
    // Observes (does not change) what Baileys hands to the gateway, to know the messages arrived.
    const ingest = app.get(WhatsappIngest);
    const arrived = new Set<string>();
    const accept = ingest.accept.bind(ingest);
    ingest.accept = (sessionId, messages, ...rest) => {
      for (const m of messages) if (m.key.id) arrived.add(m.key.id);
      accept(sessionId, messages, ...rest);
    };
    let unreachable = 0;
    const database = app.get(Database);
    const isReachable = database.isReachable.bind(database);
    database.isReachable = async (timeoutMs) => (await isReachable(timeoutMs)) || (unreachable++, false);
    link.cut();
    const ids: string[] = [];
    for (const text of ['during outage 1', 'during outage 2', 'during outage 3'])
      ids.push(await fixture.simulator.sendMessage(CONTACT, PHONE, { text }));
    const inGroup = await fixture.simulator.groups.send(CONTACT, group.jid, { text: 'group, during outage' });
    // The gateway has them while nothing can be written, and finds the database unreachable.
    await eventually(() => [...ids, inGroup].every((id) => arrived.has(id)), 10_000, 50);
    await eventually(() => unreachable >= 2, 15_000, 50);
    const direct = new PrismaService(fixture.config()); // MariaDB itself, not through the cut link
    try {
      expect(await direct.message.count({ where: { waMessageId: { in: ids } } })).toBe(0);
    } finally {
      await direct.$disconnect();
    }

    link.restore();
    const rows = await eventually(async () => {
      const found = await prisma.message.findMany({
        where: { sessionId: 'outage', direction: 'inbound', chatKind: 'direct', waMessageId: { not: first } },
        orderBy: { id: 'asc' },
      });
      return found.length >= 3 && found;
    }, 20_000);
    expect(rows.map((r) => r.text)).toEqual(['during outage 1', 'during outage 2', 'during outage 3']);
    expect(rows.map((r) => r.waMessageId)).toEqual(ids);
    const groupRow = await eventually(() => prisma.message.findFirst({ where: { waMessageId: inGroup } }));
    expect(groupRow).toMatchObject({
      chatKind: 'group',
      chatJid: group.jid,
      fromNumber: CONTACT,
      participant: CONTACT,
      participantLid: fixture.simulator.user(CONTACT).lidJid,
    });
    const outbox = await prisma.webhookOutbox.count({ where: { sessionId: 'outage' } });
    expect(outbox).toBe(0); // no webhook is configured: nothing to deliver, nothing half-written
  });
});
