import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaClient } from '../src/generated/prisma/client';
import { poolConfigFromUrl } from '../src/prisma/database-url';
import { createTestDatabase, type TestDatabase } from './support/test-database';

interface RuntimeModel {
  dbName: string | null;
  fields: { name: string; kind: string; dbName?: string }[];
}

describe('the data model: schema.prisma and the SQL migration agree', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase('wagw_models');
    prisma = new PrismaClient({ adapter: new PrismaMariaDb(poolConfigFromUrl(db.url)) });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it('every model and scalar field of schema.prisma exists as a table and column, and nothing more', async () => {
    const models = (prisma as unknown as { _runtimeDataModel: { models: Record<string, RuntimeModel> } })
      ._runtimeDataModel.models;
    const rows = await prisma.$queryRaw<{ t: string; c: string }[]>`
      SELECT table_name AS t, column_name AS c FROM information_schema.columns
      WHERE table_schema = DATABASE() AND table_name <> '_prisma_migrations'`;
    const actual = new Set(rows.map((r) => `${r.t}.${r.c}`));
    const expected = new Set(
      Object.entries(models).flatMap(([name, model]) =>
        model.fields
          .filter((f) => f.kind !== 'object')
          .map((f) => `${model.dbName ?? name}.${f.dbName ?? f.name}`),
      ),
    );
    expect([...actual].sort()).toEqual([...expected].sort());
  });

  it('creates, reads, updates and deletes a row of every model', async () => {
    const user = await prisma.user.create({
      data: { email: 'a@example.com', passwordHash: 'x'.repeat(60), role: 'admin' },
    });
    expect(await prisma.user.findUnique({ where: { email: 'a@example.com' } })).toMatchObject({
      role: 'admin',
      active: true,
    });

    const refresh = await prisma.refreshToken.create({
      data: {
        userId: user.id,
        familyId: 'f'.repeat(36),
        tokenHash: 'a'.repeat(64),
        expiresAt: new Date(Date.now() + 1000),
      },
    });
    const session = await prisma.whatsappSession.create({
      data: { id: 'sales', name: 'Sales', createdById: user.id },
    });
    const sessionWebhook = await prisma.sessionWebhook.create({
      data: { sessionId: session.id, url: 'https://example.com/hook', events: ['message.inbound'] },
    });
    expect(sessionWebhook).toMatchObject({
      url: 'https://example.com/hook',
      events: ['message.inbound'],
      secret: null,
    });
    const authKey = await prisma.sessionAuthKey.create({
      data: { sessionId: session.id, category: 'creds', keyId: 'creds', value: Buffer.from([1, 2, 3]) },
    });
    expect(Buffer.from(authKey.value)).toEqual(Buffer.from([1, 2, 3]));
    const token = await prisma.sessionToken.create({
      data: { sessionId: session.id, name: 'default', tokenHash: 'b'.repeat(64), prefix: 'wag_abcd' },
    });
    const message = await prisma.message.create({
      data: {
        sessionId: session.id,
        waMessageId: '3EB0ABC',
        chatJid: '6281@s.whatsapp.net',
        fromNumber: '6281',
        toNumber: '6282',
        direction: 'inbound',
        type: 'text',
        text: 'hello ✓ 👋',
        waTimestamp: new Date(),
        raw: { key: { id: '3EB0ABC' } },
      },
    });
    expect(typeof message.id).toBe('bigint');
    await expect(
      prisma.message.create({
        data: { ...message, id: undefined, raw: undefined, text: 'duplicate' },
      }),
    ).rejects.toMatchObject({ code: 'P2002' });
    const outbox = await prisma.webhookOutbox.create({
      data: {
        deliveryId: '00000000-0000-4000-8000-000000000000',
        sessionId: session.id,
        event: 'message.inbound',
        payload: '{"a":1}',
        targetUrl: 'http://127.0.0.1/hook',
      },
    });
    const setting = await prisma.setting.create({ data: { key: 'webhook', value: { url: 'http://x' } } });
    const list = await prisma.recipientList.create({ data: { name: 'VIP', createdById: user.id } });
    const recipient = await prisma.recipient.create({
      data: { listId: list.id, phone: '+6281234567890', name: 'Ann', variables: { city: 'Bandung' } },
    });
    const campaign = await prisma.campaign.create({
      data: { name: 'Promo', sessionId: session.id, template: 'Hi {{name}}', createdById: user.id },
    });
    const link = await prisma.campaignList.create({ data: { campaignId: campaign.id, listId: list.id } });
    const campaignRecipient = await prisma.campaignRecipient.create({
      data: { campaignId: campaign.id, phone: recipient.phone, name: 'Ann', variables: { city: 'Bandung' } },
    });
    const activity = await prisma.activityLog.create({
      data: {
        actorId: user.id,
        actorLabel: user.email,
        action: 'user.login',
        metadata: { ok: true },
        ip: '127.0.0.1',
      },
    });

    // Update one field of each and read it back.
    await prisma.user.update({ where: { id: user.id }, data: { failedLoginCount: 2 } });
    await prisma.refreshToken.update({ where: { id: refresh.id }, data: { revokedAt: new Date() } });
    await prisma.whatsappSession.update({ where: { id: session.id }, data: { status: 'qr_pending' } });
    await prisma.sessionAuthKey.update({
      where: { sessionId_category_keyId: { sessionId: session.id, category: 'creds', keyId: 'creds' } },
      data: { value: Buffer.from([9]) },
    });
    await prisma.sessionToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date() } });
    await prisma.message.update({ where: { id: message.id }, data: { status: 'read' } });
    await prisma.webhookOutbox.update({ where: { id: outbox.id }, data: { status: 'dead', attempts: 4 } });
    await prisma.setting.update({ where: { key: setting.key }, data: { value: { url: 'http://y' } } });
    await prisma.recipientList.update({ where: { id: list.id }, data: { name: 'VIPs' } });
    await prisma.recipient.update({ where: { id: recipient.id }, data: { name: 'Anna' } });
    await prisma.campaign.update({
      where: { id: campaign.id },
      data: { status: 'paused', pauseReason: 'by hand' },
    });
    await prisma.campaignRecipient.update({
      where: { id: campaignRecipient.id },
      data: { status: 'review' },
    });
    await prisma.activityLog.update({ where: { id: activity.id }, data: { targetType: 'user' } });

    expect((await prisma.whatsappSession.findUniqueOrThrow({ where: { id: 'sales' } })).status).toBe(
      'qr_pending',
    );
    expect((await prisma.webhookOutbox.findUniqueOrThrow({ where: { id: outbox.id } })).status).toBe('dead');
    expect(
      (await prisma.campaignRecipient.findUniqueOrThrow({ where: { id: campaignRecipient.id } })).status,
    ).toBe('review');
    expect((await prisma.setting.findUniqueOrThrow({ where: { key: 'webhook' } })).value).toEqual({
      url: 'http://y',
    });
    expect(await prisma.campaignList.findMany()).toEqual([link]);

    // Deletes: a session takes its keys, tokens, webhook, messages and campaigns with it; a user leaves activity behind.
    await prisma.whatsappSession.delete({ where: { id: session.id } });
    expect(await prisma.sessionWebhook.count()).toBe(0);
    expect(await prisma.sessionAuthKey.count()).toBe(0);
    expect(await prisma.sessionToken.count()).toBe(0);
    expect(await prisma.message.count()).toBe(0);
    expect(await prisma.campaign.count()).toBe(0);
    expect(await prisma.campaignRecipient.count()).toBe(0);
    expect(await prisma.campaignList.count()).toBe(0);
    await prisma.recipientList.delete({ where: { id: list.id } });
    expect(await prisma.recipient.count()).toBe(0);
    await prisma.user.delete({ where: { id: user.id } });
    expect(await prisma.refreshToken.count()).toBe(0);
    expect((await prisma.activityLog.findUniqueOrThrow({ where: { id: activity.id } })).actorId).toBeNull();
    await prisma.activityLog.delete({ where: { id: activity.id } });
    await prisma.webhookOutbox.delete({ where: { id: outbox.id } });
    await prisma.setting.delete({ where: { key: 'webhook' } });
    expect(await prisma.activityLog.count()).toBe(0);
    expect(await prisma.webhookOutbox.count()).toBe(0);
    expect(await prisma.setting.count()).toBe(0);
  });
});
