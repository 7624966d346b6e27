import { createHmac, randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { connect as amqpConnect, type Channel, type ChannelModel } from 'amqplib';
import { connect as natsConnect, type NatsConnection } from 'nats';
import request from 'supertest';
import { PrismaService } from '../src/prisma/prisma.service';
import { adminToken, eventually, GatewayFixture, linkSession } from './support/gateway-fixture';
import { TcpProxy } from './support/tcp-proxy';
import { WebhookReceiver } from './support/webhook-receiver';

jest.setTimeout(300_000);

// The machine's real servers; the gateway reaches them through proxies the test can take down.
const RABBIT = { host: '127.0.0.1', port: 5672, url: 'amqp://guest:guest@127.0.0.1:5672' };
const NATS = { host: '127.0.0.1', port: 4222 };

const RUN = randomBytes(4).toString('hex');
const EXCHANGE = `wa-test-${RUN}`;
const SESSION_EXCHANGE = `wa-test-${RUN}-own`;
const QUEUE = `wa-test-${RUN}-all`;
const SESSION_QUEUE = `wa-test-${RUN}-own`;
const STREAM = `WA_TEST_${RUN}`;
const PREFIX = `watest${RUN}`;

const GLOBAL_SECRET = 'global-secret-for-broker-tests-0123';
const SESSION_SECRET = 'session-b-secret-for-broker-tests-99';

const A = { id: 'brk-a', phone: '6281200000031', contact: '6281100000031' };
const B = { id: 'brk-b', phone: '6281200000032', contact: '6281100000032' };

interface Received {
  /** RabbitMQ: the routing key; NATS: the subject. */
  address: string;
  body: Record<string, unknown>;
  raw: string;
  headers: Record<string, string>;
}

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

describe('broker outputs: RabbitMQ and NATS JetStream from the outbox (real servers, real Baileys)', () => {
  const fixture = new GatewayFixture();
  const receiver = new WebhookReceiver();
  const rabbitProxy = new TcpProxy(RABBIT.host, RABBIT.port);
  const natsProxy = new TcpProxy(NATS.host, NATS.port);
  let app: NestExpressApplication;
  let prisma: PrismaService;
  let admin: string;
  let amqp: ChannelModel;
  let channel: Channel;
  let nats: NatsConnection;
  const fromQueue: Received[] = [];
  const fromSessionQueue: Received[] = [];

  const api = () => request(app.getHttpServer());
  const auth = (req: request.Test) => req.set('authorization', `Bearer ${admin}`);

  /** Every message of the stream so far, in stream order. */
  async function fromStream(): Promise<Received[]> {
    const manager = await nats.jetstreamManager();
    const info = await manager.streams.info(STREAM).catch(() => null);
    if (!info || info.state.messages === 0) return [];
    const out: Received[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await manager.streams.getMessage(STREAM, { seq });
      const raw = Buffer.from(m.data).toString('utf8');
      const headers: Record<string, string> = {};
      const header = m.header;
      if (header) for (const key of header.keys()) headers[key.toLowerCase()] = header.get(key);
      out.push({ address: m.subject, body: JSON.parse(raw), raw, headers });
    }
    return out;
  }

  /** The delivery ids of a session's broker rows for these messages, in outbox (id) order. */
  async function outboxOrder(channel: string, sessionId: string, messageIds: string[]): Promise<string[]> {
    const rows = await prisma.webhookOutbox.findMany({
      where: { channel, sessionId, event: 'message.inbound', messageId: { in: messageIds } },
      orderBy: { id: 'asc' },
      select: { deliveryId: true },
    });
    return rows.map((row) => row.deliveryId);
  }

  const delivered = (channel: string, messageIds: string[]) =>
    prisma.webhookOutbox.count({
      where: { channel, event: 'message.inbound', messageId: { in: messageIds }, status: 'delivered' },
    });

  /** Each contact sends `count` texts to its session, one after another; both sessions at once. */
  async function flood(label: string, count: number): Promise<Record<string, string[]>> {
    const sent: Record<string, string[]> = {};
    await Promise.all(
      [A, B].map(async (s) => {
        sent[s.id] = [];
        for (let i = 0; i < count; i++)
          sent[s.id].push(await fixture.simulator.sendMessage(s.contact, s.phone, { text: `${label} ${i}` }));
      }),
    );
    return sent;
  }

  const inbound = (list: Received[], sessionId: string) =>
    list.filter((m) => m.body.event === 'message.inbound' && m.body.sessionId === sessionId);

  beforeAll(async () => {
    await receiver.start();
    await rabbitProxy.start();
    await natsProxy.start();
    await fixture.start('wagw_brokers');
    app = await fixture.startApp(
      fixture.config({
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: GLOBAL_SECRET,
        WEBHOOK_TIMEOUT: '1000',
        WEBHOOK_RETRY_DELAY: '500',
        WEBHOOK_MAX_RETRIES: '12',
      }),
    );
    prisma = app.get(PrismaService);
    admin = await adminToken(app);

    // The test's own consumers, straight to the servers (not through the proxies).
    amqp = await amqpConnect(RABBIT.url);
    channel = await amqp.createChannel();
    for (const [exchange, queue, sink] of [
      [EXCHANGE, QUEUE, fromQueue],
      [SESSION_EXCHANGE, SESSION_QUEUE, fromSessionQueue],
    ] as const) {
      await channel.assertExchange(exchange, 'topic', { durable: true });
      await channel.assertQueue(queue, { durable: false });
      await channel.bindQueue(queue, exchange, '#');
      await channel.consume(
        queue,
        (m) => {
          if (!m) return;
          const raw = m.content.toString('utf8');
          const headers = Object.fromEntries(
            Object.entries(m.properties.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
          );
          headers['message-id'] = String(m.properties.messageId);
          headers['delivery-mode'] = String(m.properties.deliveryMode);
          sink.push({ address: m.fields.routingKey, body: JSON.parse(raw), raw, headers });
        },
        { noAck: true },
      );
    }
    nats = await natsConnect({ servers: `${NATS.host}:${NATS.port}` });

    for (const s of [A, B]) fixture.simulator.createContact(s.contact, { pushName: `Contact ${s.id}` });
    await auth(api().put('/api/v1/webhooks/brokers'))
      .send({
        rabbitmq: {
          url: `amqp://guest:guest@127.0.0.1:${rabbitProxy.port}`,
          exchange: EXCHANGE,
          signed: true,
        },
        nats: { url: `nats://127.0.0.1:${natsProxy.port}`, stream: STREAM, subjectPrefix: PREFIX },
      })
      .expect(200);
    for (const s of [A, B]) await linkSession(fixture, app, s.id, s.phone);
    // B has its own RabbitMQ output (another exchange), signed with its own secret.
    await auth(api().put(`/api/v1/webhooks/brokers/sessions/${B.id}`))
      .send({
        rabbitmq: {
          url: `amqp://guest:guest@127.0.0.1:${rabbitProxy.port}/%2F`,
          exchange: SESSION_EXCHANGE,
          signed: true,
        },
      })
      .expect(200);
    await auth(api().post(`/api/v1/webhooks/sessions/${B.id}/secret`))
      .send({ secret: SESSION_SECRET })
      .expect(200);
  });

  afterAll(async () => {
    rabbitProxy.up();
    natsProxy.up();
    await fixture.close();
    await rabbitProxy.close();
    await natsProxy.close();
    await receiver.stop();
    if (channel) {
      for (const queue of [QUEUE, SESSION_QUEUE]) await channel.deleteQueue(queue).catch(() => undefined);
      for (const exchange of [EXCHANGE, SESSION_EXCHANGE])
        await channel.deleteExchange(exchange).catch(() => undefined);
    }
    await amqp?.close().catch(() => undefined);
    if (nats) {
      const manager = await nats.jetstreamManager();
      await manager.streams.delete(STREAM).catch(() => undefined);
      await nats.close();
    }
  });

  it('refuses a bad broker config with 400 and the field, and a session that does not exist with 404', async () => {
    const bad = async (body: object, field: string) => {
      const res = await auth(api().put('/api/v1/webhooks/brokers')).send(body).expect(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    };
    await bad({ rabbitmq: { url: 'http://127.0.0.1:5672', exchange: 'x' } }, 'rabbitmq.url');
    await bad({ nats: { url: 'amqp://127.0.0.1:4222', stream: 'S' } }, 'nats.url');
    await bad({ rabbitmq: { url: RABBIT.url, exchange: 'has space' } }, 'rabbitmq.exchange');
    await bad({ nats: { url: 'nats://127.0.0.1:4222', stream: 'a.b' } }, 'nats.stream');
    await bad(
      { nats: { url: 'nats://127.0.0.1:4222', stream: 'S', subjectPrefix: 'a.>' } },
      'nats.subjectPrefix',
    );
    await bad({ kafka: {} }, 'kafka');
    // A new output needs its URL (an existing one keeps its stored URL when it is left out).
    const res = await auth(api().put(`/api/v1/webhooks/brokers/sessions/${A.id}`))
      .send({ nats: { stream: STREAM } })
      .expect(400);
    expect(res.body.details[0].field).toBe('nats.url');
    await auth(api().put('/api/v1/webhooks/brokers/sessions/no-such-session'))
      .send({ rabbitmq: { url: RABBIT.url, exchange: EXCHANGE } })
      .expect(404);
    await auth(api().post('/api/v1/webhooks/brokers/test')).send({ kind: 'kafka' }).expect(400);
  });

  it('keeps broker URLs encrypted at rest and masked in answers', async () => {
    // A field left out keeps its stored value (the URL is not typed again to change the stream).
    const before = await prisma.setting.findUniqueOrThrow({ where: { key: 'brokers' } });
    await auth(api().put('/api/v1/webhooks/brokers'))
      .send({ nats: { stream: STREAM } })
      .expect(200);
    expect(await prisma.setting.findUniqueOrThrow({ where: { key: 'brokers' } })).toMatchObject({
      value: before.value,
    });
    const res = await auth(api().get('/api/v1/webhooks/brokers')).expect(200);
    expect(res.body.data.rabbitmq).toMatchObject({
      url: `amqp://127.0.0.1:${rabbitProxy.port}/***`,
      exchange: EXCHANGE,
      signed: true,
    });
    expect(res.body.data.nats).toMatchObject({
      url: `nats://127.0.0.1:${natsProxy.port}`,
      stream: STREAM,
      subjectPrefix: PREFIX,
    });
    const own = await auth(api().get(`/api/v1/webhooks/brokers/sessions/${B.id}`)).expect(200);
    expect(own.body.data).toMatchObject({
      sessionId: B.id,
      nats: null,
      rabbitmq: { exchange: SESSION_EXCHANGE },
    });
    expect(JSON.stringify([res.body, own.body])).not.toContain('guest');
    const stored = JSON.stringify([
      await prisma.setting.findUnique({ where: { key: 'brokers' } }),
      await prisma.sessionBrokerOutput.findMany(),
    ]);
    expect(stored).not.toContain('guest');
    expect(stored).not.toContain(String(rabbitProxy.port));
    const activity = JSON.stringify(
      (await prisma.activityLog.findMany({ where: { action: 'broker.config_updated' } })).map(
        (row) => row.metadata,
      ),
    );
    expect(activity).toContain(EXCHANGE);
    expect(activity).not.toContain('guest');
  });

  it('an inbound flood reaches RabbitMQ and NATS: every event once, in order per session, signed', async () => {
    const sent = await flood('flood', 40);
    const all = [...sent[A.id], ...sent[B.id]];
    await eventually(
      async () =>
        (await delivered('rabbitmq', all)) === all.length && (await delivered('nats', all)) === all.length,
      120_000,
      250,
    );
    const stream = await fromStream();
    for (const s of [A, B]) {
      const rabbit = inbound(s === B ? fromSessionQueue : fromQueue, s.id);
      const jet = inbound(stream, s.id);
      // every message once, each queue in the order of the session's outbox rows
      expect(rabbit.map((m) => m.body.deliveryId)).toEqual(await outboxOrder('rabbitmq', s.id, sent[s.id]));
      expect(jet.map((m) => m.body.deliveryId)).toEqual(await outboxOrder('nats', s.id, sent[s.id]));
      expect(rabbit.map((m) => m.body.messageId).sort()).toEqual([...sent[s.id]].sort());
      expect(jet.map((m) => m.body.messageId).sort()).toEqual([...sent[s.id]].sort());
      for (const m of rabbit) {
        expect(m.address).toBe(`message.inbound.${s.id}`);
        expect(m.headers['message-id']).toBe(m.body.deliveryId);
        expect(m.headers['x-delivery-id']).toBe(m.body.deliveryId);
        expect(m.headers['x-webhook-event']).toBe('message.inbound');
        expect(m.headers['delivery-mode']).toBe('2'); // persistent
        // signed like a webhook: the global secret for the global output, B's own for B's output
        expect(m.headers['x-signature']).toBe(hmac(s === B ? SESSION_SECRET : GLOBAL_SECRET, m.raw));
        const [t, v1] = m.headers['x-webhook-signature'].split(',').map((kv) => kv.split('=')[1]);
        expect(v1).toBe(hmac(s === B ? SESSION_SECRET : GLOBAL_SECRET, `${t}.${m.raw}`));
        expect(m.body).toMatchObject({ from: s.contact, to: s.phone, type: 'text', direction: 'inbound' });
      }
      for (const m of jet) {
        expect(m.address).toBe(`${PREFIX}.${s.id}.message.inbound`);
        expect(m.headers['nats-msg-id']).toBe(m.body.deliveryId);
        expect(m.headers['x-signature']).toBeUndefined(); // the NATS output is not signed
      }
    }
    // B's events went to its own exchange only; the webhook got every message too
    expect(inbound(fromQueue, B.id)).toEqual([]);
    await eventually(async () => (await delivered('webhook', all)) === all.length);
    // The health details show this process's broker connections, their URLs masked.
    const health = await auth(api().get('/api/v1/health/details')).expect(200);
    expect(health.body.data.brokers.rabbitmq).toContainEqual({
      url: `amqp://127.0.0.1:${rabbitProxy.port}/***`,
      connected: true,
      lastError: null,
    });
    expect(health.body.data.brokers.nats).toEqual([
      { url: `nats://127.0.0.1:${natsProxy.port}`, connected: true, lastError: null },
    ]);
    expect(JSON.stringify(health.body)).not.toContain('guest');
  });

  it('the test route publishes a test event and reports success, or the failure while a broker is down', async () => {
    const ok = await auth(api().post('/api/v1/webhooks/brokers/test')).send({ kind: 'rabbitmq' }).expect(200);
    expect(ok.body.data).toMatchObject({
      kind: 'rabbitmq',
      scope: 'global',
      success: true,
      error: null,
      address: 'webhook.test._',
      url: `amqp://127.0.0.1:${rabbitProxy.port}/***`,
    });
    await eventually(() => fromQueue.find((m) => m.body.deliveryId === ok.body.data.deliveryId));
    const own = await auth(api().post('/api/v1/webhooks/brokers/test'))
      .send({ kind: 'rabbitmq', sessionId: B.id })
      .expect(200);
    expect(own.body.data).toMatchObject({ scope: 'session', success: true, address: `webhook.test.${B.id}` });
    await eventually(() => fromSessionQueue.find((m) => m.body.deliveryId === own.body.data.deliveryId));
    const jet = await auth(api().post('/api/v1/webhooks/brokers/test')).send({ kind: 'nats' }).expect(200);
    expect(jet.body.data).toMatchObject({ kind: 'nats', success: true, address: `${PREFIX}._.webhook.test` });
    expect((await fromStream()).some((m) => m.body.deliveryId === jet.body.data.deliveryId)).toBe(true);

    rabbitProxy.takeDown();
    natsProxy.takeDown();
    try {
      for (const kind of ['rabbitmq', 'nats']) {
        const down = await auth(api().post('/api/v1/webhooks/brokers/test')).send({ kind }).expect(200);
        expect(down.body.data.success).toBe(false);
        expect(down.body.data.error).toEqual(expect.any(String));
        expect(down.body.data.error).not.toContain('guest');
      }
    } finally {
      rabbitProxy.up();
      natsProxy.up();
    }
  });

  it('with both brokers unreachable for 30 s, webhooks go on and nothing is lost once they are back', async () => {
    const downAt = Date.now();
    rabbitProxy.takeDown();
    natsProxy.takeDown();
    let sent: Record<string, string[]>;
    try {
      sent = await flood('outage', 20);
      const all = [...sent[A.id], ...sent[B.id]];
      // A broker that is down holds back neither the webhooks nor other channels of the session.
      await eventually(async () => (await delivered('webhook', all)) === all.length, 60_000);
      expect(await delivered('rabbitmq', all)).toBe(0);
      expect(await delivered('nats', all)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, downAt + 30_000 - Date.now())));
    } finally {
      rabbitProxy.up();
      natsProxy.up();
    }
    const all = [...sent[A.id], ...sent[B.id]];
    await eventually(
      async () =>
        (await delivered('rabbitmq', all)) === all.length && (await delivered('nats', all)) === all.length,
      150_000,
      500,
    );
    expect(
      await prisma.webhookOutbox.count({ where: { messageId: { in: all }, status: { not: 'delivered' } } }),
    ).toBe(0);
    const stream = await fromStream();
    for (const s of [A, B]) {
      // At least once: a message whose confirm was lost with the connection may come twice; JetStream
      // drops the second copy by its msgID. The first copies are in the session's order.
      const firstCopies = (list: Received[]) => [
        ...new Set(inbound(list, s.id).map((m) => String(m.body.deliveryId))),
      ];
      const rabbit = firstCopies(s === B ? fromSessionQueue : fromQueue);
      const expectedRabbit = await outboxOrder('rabbitmq', s.id, sent[s.id]);
      expect(rabbit.filter((id) => expectedRabbit.includes(id))).toEqual(expectedRabbit);
      const jet = inbound(stream, s.id).map((m) => String(m.body.deliveryId));
      const expectedJet = await outboxOrder('nats', s.id, sent[s.id]);
      expect(jet.filter((id) => expectedJet.includes(id))).toEqual(expectedJet);
    }
  });
});
