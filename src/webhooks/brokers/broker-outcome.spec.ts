import { brokerError, BrokerTimeout, maskedBrokerUrl, redactUrls, withDeadline } from './broker-outcome';
import { routingKeyOf, subjectOf } from './broker-delivery';
import { natsOptions } from './nats-publisher';

describe('broker URLs never show their credentials', () => {
  it('masks user, password, vhost and query, keeping scheme, host and port', () => {
    expect(maskedBrokerUrl('amqp://gw:s3cret@rabbit.internal:5672/%2F')).toBe(
      'amqp://rabbit.internal:5672/***',
    );
    expect(maskedBrokerUrl('amqps://rabbit.internal?heartbeat=10')).toBe('amqps://rabbit.internal/***');
    expect(maskedBrokerUrl('nats://token@nats.internal:4222')).toBe('nats://nats.internal:4222/***');
    expect(maskedBrokerUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(maskedBrokerUrl('not a url')).toBe('***');
  });

  it('removes URLs from error messages, in the row and in the log', () => {
    const text = 'connect to amqp://gw:s3cret@10.0.0.5:5672/prod failed';
    expect(redactUrls(text)).toBe('connect to amqp://10.0.0.5:5672/*** failed');
    const outcome = brokerError(new Error(text), performance.now(), 1000);
    expect(outcome).toMatchObject({ kind: 'network' });
    expect(JSON.stringify(outcome)).not.toContain('s3cret');
  });

  it('reports a socket error by its code and a missing confirm as a timeout', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' });
    expect(brokerError(refused, performance.now(), 1000)).toMatchObject({
      kind: 'network',
      error: 'ECONNREFUSED',
    });
    await expect(withDeadline(20, () => new Promise(() => undefined))).rejects.toBeInstanceOf(BrokerTimeout);
    expect(brokerError(new BrokerTimeout(20), performance.now(), 20)).toMatchObject({ kind: 'timeout' });
    await expect(withDeadline(1000, async () => 'done')).resolves.toBe('done');
  });
});

describe('addresses and connection options', () => {
  it('routes by event and session (_ for events of no session)', () => {
    expect(routingKeyOf('message.inbound', 'sales')).toBe('message.inbound.sales');
    expect(routingKeyOf('campaign.progress', null)).toBe('campaign.progress._');
    expect(subjectOf('wa', 'message.inbound', 'sales')).toBe('wa.sales.message.inbound');
    expect(subjectOf('acme.wa', 'session.status', null)).toBe('acme.wa._.session.status');
  });

  it('passes NATS credentials as options, never in the server address', () => {
    expect(natsOptions('nats://gw:pa%40ss@nats.internal:4223')).toEqual({
      servers: 'nats.internal:4223',
      user: 'gw',
      pass: 'pa@ss',
    });
    expect(natsOptions('nats://s3cret-token@nats.internal')).toEqual({
      servers: 'nats.internal:4222',
      token: 's3cret-token',
    });
    expect(natsOptions('tls://127.0.0.1:4222')).toEqual({ servers: '127.0.0.1:4222' });
  });
});
