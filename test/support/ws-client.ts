import WebSocket from 'ws';

export interface WsEvent {
  event: string;
  data: Record<string, unknown>;
}

/** A /ws client that records every event it receives. */
export class RecordingWsClient {
  readonly events: WsEvent[] = [];
  closeCode: number | null = null;
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw) => this.events.push(JSON.parse(String(raw)) as WsEvent));
    socket.on('close', (code) => (this.closeCode = code));
  }

  static connect(url: string): Promise<RecordingWsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new RecordingWsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** Resolves with the close code (for refused connections). */
  static closedWith(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('close', (code) => resolve(code));
      socket.once('error', reject);
    });
  }

  of(event: string): WsEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  close(): void {
    this.socket.close();
  }
}
