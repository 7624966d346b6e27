import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import type { MediaServing } from './types';

/** Upload paths Baileys uses (`MEDIA_PATH_MAP`): /mms/<kind>/<token>. */
const UPLOAD_PATH = /^\/mms\/[a-z-]+\/([A-Za-z0-9_-]+)$/;
const DOWNLOAD_PATH = /^\/media\/([A-Za-z0-9_-]+)$/;

/** Encrypted media published for download, how to serve it, and how often it was asked for. */
interface Blob {
  data: Buffer;
  serving: MediaServing;
  requests: number;
}

/**
 * The simulator's media servers. Inbound media (contact → device) is served over plain HTTP from the same
 * listener as the WebSocket, with a `url` and no `directPath`, so Baileys downloads it without TLS.
 * Uploads (device → contact) always go to `https://<host>/mms/...`, so a TLS listener with a certificate
 * made at start takes them; clients trust that certificate only, through the agent the simulator hands out.
 */
export class MediaHost {
  readonly uploadAuth = randomBytes(18).toString('base64url');
  private readonly blobs = new Map<string, Blob>();
  private readonly drips = new Set<NodeJS.Timeout>();
  private readonly uploads = new Map<string, Buffer>();
  private tlsServer: Server | undefined;
  private tlsPort = 0;
  private plainBaseUrl = '';
  certificatePem = '';

  /** Serves GET /media/<id> on the plain HTTP server; returns false for other requests. */
  handlePlainRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const match = DOWNLOAD_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method !== 'GET' || !match) return false;
    const blob = this.blobs.get(match[1]);
    if (!blob) {
      res.writeHead(404).end();
      return true;
    }
    blob.requests += 1;
    const { serving, data } = blob;
    if (serving.failFirst && serving.failFirst > 0) {
      serving.failFirst -= 1;
      res.writeHead(500).end();
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    if (serving.cutAfterBytes !== undefined) {
      // The promised length never arrives: the connection drops mid-body.
      res.write(data.subarray(0, serving.cutAfterBytes), () => res.socket?.destroy());
      return true;
    }
    if (serving.dripMs !== undefined) {
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= data.length) return res.end();
        res.write(data.subarray(sent, sent + 1));
        sent += 1;
      }, serving.dripMs);
      const stop = () => {
        clearInterval(timer);
        this.drips.delete(timer);
      };
      this.drips.add(timer);
      res.on('close', stop);
      return true;
    }
    res.end(data);
    return true;
  }

  /** How many download requests the file published at `url` got. */
  requestsFor(url: string): number {
    const match = DOWNLOAD_PATH.exec(new URL(url).pathname);
    return (match && this.blobs.get(match[1])?.requests) ?? 0;
  }

  setPlainBaseUrl(baseUrl: string): void {
    this.plainBaseUrl = baseUrl;
  }

  /** Stores encrypted media for download (served as `serving` says) and returns its plain-HTTP URL. */
  publish(encrypted: Buffer, serving: MediaServing = {}): string {
    const id = randomBytes(12).toString('base64url');
    this.blobs.set(id, { data: encrypted, serving: { ...serving }, requests: 0 });
    return `${this.plainBaseUrl}/media/${id}`;
  }

  /** Encrypted bytes a companion uploaded, by upload token (base64url of the encrypted SHA-256). */
  uploaded(token: string): Buffer | undefined {
    return this.uploads.get(token);
  }

  get uploadHost(): string {
    return `127.0.0.1:${this.tlsPort}`;
  }

  async startTls(): Promise<void> {
    const pems = await generate([{ name: 'commonName', value: 'whatsapp-simulator.local' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 7, ip: '127.0.0.1' },
            { type: 2, value: 'localhost' },
          ],
        },
      ],
    });
    this.certificatePem = pems.cert;
    const server = createHttpsServer({ key: pems.private, cert: pems.cert }, (req, res) =>
      this.handleUpload(req, res),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.tlsServer = server;
    this.tlsPort = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const timer of this.drips) clearInterval(timer);
    this.drips.clear();
    const server = this.tlsServer;
    this.tlsServer = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handleUpload(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://x');
    const match = UPLOAD_PATH.exec(url.pathname);
    if (req.method !== 'POST' || !match) {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('auth') !== this.uploadAuth) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad auth' }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const token = match[1];
      this.uploads.set(token, Buffer.concat(chunks));
      const directPath = `/mms-download/${token}`;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ url: `https://${this.uploadHost}${directPath}`, direct_path: directPath }));
    });
  }
}
