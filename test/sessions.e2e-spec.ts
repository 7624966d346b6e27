import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { eventually, GatewayFixture, linkSession } from './support/gateway-fixture';

jest.setTimeout(120_000);

describe('sessions end to end (real Baileys against the simulator)', () => {
  const fixture = new GatewayFixture();

  beforeAll(() => fixture.start('wagw_sessions'));
  afterAll(() => fixture.close());

  it('QR -> scan -> connected with the phone number; inbound and outbound text', async () => {
    const app = await fixture.startApp();
    const prisma = app.get(PrismaService);
    fixture.simulator.createContact('6281100000001', { pushName: 'Ann' });
    const { token } = await linkSession(fixture, app, 'sales', '6281200000001');
    const session = await eventually(async () => {
      const row = await prisma.whatsappSession.findUnique({ where: { id: 'sales' } });
      return row?.status === 'connected' ? row : null;
    });
    expect(session.phoneNumber).toBe('6281200000001');

    await fixture.simulator.sendMessage('6281100000001', '6281200000001', { text: 'hello gateway' });
    const stored = await eventually(() => prisma.message.findFirst({ where: { sessionId: 'sales', direction: 'inbound' } }));
    expect(stored).toMatchObject({ fromNumber: '6281100000001', toNumber: '6281200000001', type: 'text', text: 'hello gateway' });

    const sent = await request(app.getHttpServer())
      .post('/api/v1/sessions/sales/messages/text')
      .set('authorization', `Bearer ${token}`)
      .send({ to: '+62 811-0000-0001', text: 'hi Ann' })
      .expect(201);
    const received = await fixture.simulator.waitForMessage('6281100000001', { timeoutMs: 10_000 });
    expect(received.message.extendedTextMessage?.text ?? received.message.conversation).toBe('hi Ann');
    expect(received.id).toBe(sent.body.data.messageId);
  });
});
