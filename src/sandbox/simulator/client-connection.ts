import * as B from '@whiskeysockets/baileys';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { WebSocket } from 'ws';
import type { ServerIdentity } from './cert-chain';
import { FrameReader, frame } from './frame-reader';
import { NoiseResponder, type ClientFinishResult, type TransportCipher } from './noise-responder';

export interface ConnectionHandlers {
  onHandshake(connection: ClientConnection, result: ClientFinishResult): void;
  onNode(connection: ClientConnection, node: BinaryNode): void;
  onClose(connection: ClientConnection): void;
}

/** How long a client gets to close its side after a stream error before the server hangs up. */
const CLOSE_GRACE_MS = 2_000;

let nextConnectionId = 1;
let nextServerIqId = 1;

/**
 * One Baileys WebSocket: Noise handshake, then binary nodes both ways. It knows nothing about accounts;
 * the server decides what a handshake or a node means. Closing it with a code sends what makes Baileys
 * report exactly that code (stream errors, failures, plain close, or silence for the keep-alive 408).
 */
export class ClientConnection {
  readonly id = nextConnectionId++;
  /** The companion (`user:device`) this connection logged in as, once known. */
  deviceJid: string | undefined;
  /** Noise static key of the client; for a registering client it is how the QR finds its connection. */
  clientStaticKey: Buffer | undefined;
  private readonly reader = new FrameReader();
  private readonly noise: NoiseResponder;
  private transport: TransportCipher | undefined;
  private inbound: Promise<void> = Promise.resolve();
  private lastSendAt = 0;
  private silenced = false;
  private closed = false;
  private readonly pendingIqs = new Map<
    string,
    { resolve: (node: BinaryNode) => void; reject: (error: Error) => void }
  >();

  constructor(
    private readonly ws: WebSocket,
    identity: ServerIdentity,
    private readonly handlers: ConnectionHandlers,
    private readonly outgoingDelayMs: () => number,
  ) {
    this.noise = new NoiseResponder(identity);
    ws.on('message', (data: Buffer) => this.receive(data));
    ws.on('close', () => this.markClosed());
    ws.on('error', () => this.markClosed());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(node: BinaryNode): void {
    if (this.closed || this.silenced || !this.transport) {
      return;
    }
    const bytes = frame(this.transport.encrypt(B.encodeBinaryNode(node)));
    const delayMs = this.outgoingDelayMs();
    if (delayMs <= 0 && this.lastSendAt <= Date.now()) {
      this.ws.send(bytes);
      return;
    }
    // Keep frames in order even when the configured delay changes between them.
    const sendAt = Math.max(Date.now() + delayMs, this.lastSendAt);
    this.lastSendAt = sendAt;
    setTimeout(() => {
      if (!this.closed && !this.silenced) this.ws.send(bytes);
    }, sendAt - Date.now());
  }

  /** Sends a server-originated iq and resolves with the client's reply (same id). */
  request(node: BinaryNode, timeoutMs: number): Promise<BinaryNode> {
    const id = `sim.${nextServerIqId++}`;
    node.attrs.id = id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingIqs.delete(id);
        reject(new Error(`client did not answer iq ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingIqs.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.send(node);
    });
  }

  /** `<stream:error code=…>`: Baileys reports the code (515 restart, 500, 401 …). */
  streamError(code: number, child?: BinaryNode): void {
    this.send({ tag: 'stream:error', attrs: { code: String(code) }, content: child ? [child] : undefined });
    this.closeSoon();
  }

  /** `<stream:error><conflict type='replaced'/>` → 440 connectionReplaced. */
  replaced(): void {
    this.send({
      tag: 'stream:error',
      attrs: {},
      content: [{ tag: 'conflict', attrs: { type: 'replaced' } }],
    });
    this.closeSoon();
  }

  /** `<failure reason=…>` → Baileys reports the reason as status code (401 logged out). */
  failure(reason: number): void {
    this.send({ tag: 'failure', attrs: { reason: String(reason), location: 'sim' } });
    this.closeSoon();
  }

  /** A clean WebSocket close: Baileys reports 428 connectionClosed. */
  close(): void {
    this.markClosed();
    this.ws.close();
  }

  /** Drops the TCP connection without a close handshake (network cut); Baileys also sees 428. */
  cut(): void {
    this.markClosed();
    this.ws.terminate();
  }

  /** Stops answering and sending anything, so Baileys' keep-alive gives up with 408. */
  silence(): void {
    this.silenced = true;
  }

  private closeSoon(): void {
    // Let Baileys read the stanza and close first; closing here at once could race its decoder.
    const timer = setTimeout(() => this.cut(), CLOSE_GRACE_MS);
    timer.unref();
    this.ws.once('close', () => clearTimeout(timer));
  }

  private receive(data: Buffer): void {
    if (this.closed) return;
    for (const payload of this.reader.push(Buffer.from(data))) {
      this.inbound = this.inbound.then(() => this.handleFrame(payload)).catch(() => this.cut());
    }
  }

  private async handleFrame(payload: Buffer): Promise<void> {
    if (this.closed) return;
    if (this.transport) {
      const node = await B.decodeBinaryNode(this.transport.decrypt(payload));
      if (this.silenced) return;
      const answered = node.tag === 'iq' && this.pendingIqs.get(node.attrs.id ?? '');
      if (answered) {
        this.pendingIqs.delete(node.attrs.id);
        answered.resolve(node);
        return;
      }
      this.handlers.onNode(this, node);
      return;
    }
    const message = B.proto.HandshakeMessage.decode(payload);
    if (message.clientHello) {
      this.ws.send(frame(this.noise.respondToHello(message)));
      return;
    }
    const result = this.noise.acceptFinish(message);
    this.clientStaticKey = result.clientStaticKey;
    this.transport = result.transport;
    this.handlers.onHandshake(this, result);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pendingIqs.values()) pending.reject(new Error('client closed the connection'));
    this.pendingIqs.clear();
    this.handlers.onClose(this);
  }
}
