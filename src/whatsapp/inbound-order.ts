import type { BinaryNode } from '@whiskeysockets/baileys';
import type { WASocket } from './baileys';

/** Baileys' own listener, an async function: its promise settles once the node is handled. */
type NodeHandler = (node: BinaryNode) => unknown;

/**
 * Baileys 7 starts handling each incoming `<message>` node as soon as it arrives, and its handler
 * awaits the sender's LID mapping (look up, and store it the first time) before it takes its message
 * mutex. That wait is longer for a contact's first messages than for the ones after, so the next
 * message can take the mutex first: two consecutive messages were upserted swapped, and stored and
 * reported swapped. Handling one node after the other, in arrival order, keeps WhatsApp's order;
 * decryption and the upsert already ran one at a time inside that mutex.
 */
export function keepInboundMessageOrder(socket: Pick<WASocket, 'ws'>): void {
  const ws = socket.ws;
  const handlers = ws.listeners('CB:message') as NodeHandler[];
  let previous: Promise<unknown> = Promise.resolve();
  for (const handle of handlers) {
    ws.off('CB:message', handle);
    ws.on('CB:message', (node: BinaryNode) => {
      // Baileys' handler reports its own errors; a rejection must not stop the nodes after it.
      previous = previous.then(() => handle(node)).catch(() => undefined);
    });
  }
}
