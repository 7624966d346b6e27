import { EventEmitter } from 'node:events';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { WASocket } from './baileys';
import { keepInboundMessageOrder } from './inbound-order';

const node = (id: string): BinaryNode => ({ tag: 'message', attrs: { id } });
/** Registers an async listener as Baileys does (EventEmitter ignores the promise it returns). */
const listen = (ws: EventEmitter, handler: (n: BinaryNode) => Promise<void>) =>
  ws.on('CB:message', handler as (n: BinaryNode) => void);
const socketOf = (ws: EventEmitter) => ({ ws }) as unknown as Pick<WASocket, 'ws'>;

describe('keepInboundMessageOrder', () => {
  it('handles message nodes one after the other, in arrival order, even when an earlier one is slower', async () => {
    const ws = new EventEmitter();
    const done: string[] = [];
    // Like Baileys' handler: the first message of a contact waits longer before it is upserted.
    listen(ws, async (n) => {
      if (n.attrs.id === '1') await new Promise((r) => setTimeout(r, 20));
      else await Promise.resolve();
      done.push(n.attrs.id);
    });
    keepInboundMessageOrder(socketOf(ws));
    for (const id of ['1', '2', '3']) ws.emit('CB:message', node(id));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toEqual(['1', '2', '3']);
    expect(ws.listenerCount('CB:message')).toBe(1);
  });

  it('a handler that fails does not stop the nodes after it', async () => {
    const ws = new EventEmitter();
    const done: string[] = [];
    listen(ws, async (n) => {
      await Promise.resolve();
      if (n.attrs.id === '1') throw new Error('boom');
      done.push(n.attrs.id);
    });
    keepInboundMessageOrder(socketOf(ws));
    ws.emit('CB:message', node('1'));
    ws.emit('CB:message', node('2'));
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toEqual(['2']);
  });

  it('leaves other events alone', () => {
    const ws = new EventEmitter();
    const receipt = jest.fn();
    ws.on('CB:receipt', receipt);
    keepInboundMessageOrder(socketOf(ws));
    ws.emit('CB:receipt', node('r'));
    expect(receipt).toHaveBeenCalledTimes(1);
  });
});
