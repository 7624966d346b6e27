import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP hop in front of a real server (RabbitMQ, NATS) that a test can take down and bring back,
 * as an outage of that server would look to the gateway: while down, open connections are dropped
 * and new ones are closed at once. It keeps its port throughout (a freed port could be taken).
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private down = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    const server = createServer((client) => {
      client.on('error', () => undefined);
      if (this.down) return void client.destroy();
      const upstream = connect(this.targetPort, this.targetHost);
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
    return this;
  }

  /** The server is unreachable until `up()`. */
  takeDown(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  up(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.takeDown();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
