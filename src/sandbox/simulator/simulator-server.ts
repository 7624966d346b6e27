import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BinaryNode } from '@whiskeysockets/baileys';
import { WebSocketServer } from 'ws';
import { createServerIdentity, type ServerIdentity } from './cert-chain';
import { ClientConnection } from './client-connection';
import { ContactMessenger } from './contact-messenger';
import type { CompanionDevice } from './directory';
import { GroupActions } from './group-actions';
import { GroupIqResponder } from './group-iq';
import { GroupMessenger } from './group-messenger';
import { GroupNotifier } from './group-notifications';
import { IqResponder } from './iq-responder';
import { LinkCodePairing } from './link-code-pairing';
import type { ClientFinishResult } from './noise-responder';
import { OutboundRouter } from './outbound-router';
import { PairingDesk } from './pairing-desk';
import { PresenceDesk } from './presence-desk';
import { ReceiptHandler } from './receipt-handler';
import type { SimulatorContext } from './simulator-context';
import { describeDevice, unixNow } from './simulator-context';

const WEBSOCKET_PATH = '/ws/chat';

/**
 * The network side of the simulator: one HTTP listener carrying the WebSocket (`/ws/chat`) and the
 * plain-HTTP media downloads, the Noise identity of this run, and the dispatch of every client stanza
 * to the handler for it. Logins, conflicts (440) and unknown devices (401) are decided here.
 */
export class SimulatorServer {
  readonly identity: ServerIdentity = createServerIdentity();
  readonly pairing: PairingDesk;
  readonly linkCodes: LinkCodePairing;
  readonly messenger: ContactMessenger;
  readonly groupNotifier: GroupNotifier;
  readonly groupActions: GroupActions;
  readonly groupMessenger: GroupMessenger;
  readonly presence: PresenceDesk;
  private readonly iqs: IqResponder;
  private readonly router: OutboundRouter;
  private readonly receipts: ReceiptHandler;
  private readonly loggedIn = new Map<ClientConnection, CompanionDevice>();
  private readonly connections = new Set<ClientConnection>();
  private readonly stanzaQueues = new WeakMap<ClientConnection, Promise<unknown>>();
  private httpServer: Server | undefined;
  private wss: WebSocketServer | undefined;

  constructor(private readonly ctx: SimulatorContext) {
    this.pairing = new PairingDesk(ctx);
    this.linkCodes = new LinkCodePairing(ctx, this.pairing);
    this.messenger = new ContactMessenger(ctx);
    this.groupNotifier = new GroupNotifier(ctx);
    this.groupActions = new GroupActions(ctx, this.groupNotifier);
    this.groupMessenger = new GroupMessenger(ctx);
    this.iqs = new IqResponder(ctx, new GroupIqResponder(ctx, this.groupActions), this.linkCodes);
    this.router = new OutboundRouter(ctx, this.messenger, this.groupMessenger);
    this.receipts = new ReceiptHandler(ctx, this.messenger, this.groupMessenger);
    this.presence = new PresenceDesk(ctx);
  }

  async listen(host: string, port: number): Promise<{ baseUrl: string; webSocketUrl: string }> {
    const httpServer = createServer((req, res) => {
      if (!this.ctx.media.handlePlainRequest(req, res)) res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ server: httpServer, path: WEBSOCKET_PATH });
    wss.on('connection', (ws) => {
      const connection = new ClientConnection(ws, this.identity, this, () => this.ctx.faults.outgoingDelayMs);
      this.connections.add(connection);
    });
    await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
    this.httpServer = httpServer;
    this.wss = wss;
    const address = httpServer.address() as AddressInfo;
    const baseUrl = `http://${host}:${address.port}`;
    return { baseUrl, webSocketUrl: `ws://${host}:${address.port}${WEBSOCKET_PATH}` };
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.cut();
    this.connections.clear();
    const { wss, httpServer } = this;
    this.wss = undefined;
    this.httpServer = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (httpServer) {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    }
  }

  onHandshake(connection: ClientConnection, { clientStaticKey, payload }: ClientFinishResult): void {
    if (payload.devicePairingData) {
      this.pairing.offerRefs(connection, clientStaticKey, payload.devicePairingData);
      return;
    }
    const user = this.ctx.directory.findByPhone(String(payload.username ?? ''));
    const device = user?.companions.get(payload.device ?? 0);
    if (!user || !device || !device.noiseKey.equals(clientStaticKey)) {
      connection.failure(401);
      return;
    }
    const previous = device.connection;
    if (previous && previous !== connection && previous.isOpen) {
      this.loggedIn.delete(previous);
      previous.replaced();
    }
    device.connection = connection;
    connection.deviceJid = user.deviceJid(device.deviceId);
    this.loggedIn.set(connection, device);
    connection.send({
      tag: 'success',
      attrs: { t: unixNow(), lid: user.deviceLid(device.deviceId), props: '1' },
    });
  }

  onNode(connection: ClientConnection, node: BinaryNode): void {
    const device = this.loggedIn.get(connection);
    // Messages and receipts of one connection are handled in order: Signal sessions depend on it.
    const previous = this.stanzaQueues.get(connection) ?? Promise.resolve();
    const next = previous.then(() => this.dispatch(connection, device, node)).catch(() => undefined);
    this.stanzaQueues.set(connection, next);
  }

  onClose(connection: ClientConnection): void {
    this.connections.delete(connection);
    this.pairing.forget(connection);
    this.linkCodes.forget(connection);
    const device = this.loggedIn.get(connection);
    this.loggedIn.delete(connection);
    if (device && device.connection === connection) {
      device.connection = undefined;
      this.ctx.events.emit('device-offline', describeDevice(device));
    }
  }

  /** The live connection of a device, if any (for disconnect-with-code). */
  connectionOf(device: CompanionDevice): ClientConnection | undefined {
    return device.connection?.isOpen ? device.connection : undefined;
  }

  private dispatch(
    connection: ClientConnection,
    device: CompanionDevice | undefined,
    node: BinaryNode,
  ): Promise<unknown> | void {
    switch (node.tag) {
      case 'iq':
        return this.iqs.answer(connection, device, node);
      case 'message':
        return device && this.router.route(device, node);
      case 'receipt':
        return device && this.receipts.handle(device, node);
      case 'presence':
        return device && this.presence.onPresence(device, node);
      case 'chatstate':
        return device && this.presence.onChatState(device, node);
      case 'ack':
      case 'ib':
        return;
      default:
        return;
    }
  }
}
