import type * as B from '@whiskeysockets/baileys';

/** A message a simulated phone decrypted, exactly as the sending device encrypted it. */
export interface ReceivedMessage {
  id: string;
  /** Phone number of the sending user. */
  fromPhoneNumber: string;
  /** Device of the sender that encrypted it (a companion id, 0 for a phone). */
  fromDevice: number;
  /** Phone number of the user whose phone received it. */
  toPhoneNumber: string;
  /** The decoded message, unwrapped from `deviceSentMessage` for copies sent to the sender's own phone. */
  message: B.proto.IMessage;
  /** True for the copy Baileys sends to its own account's phone (not a message to this user). */
  fromOwnDevice: boolean;
  /** The stanza's `type` attr (`text`, `media`, `reaction` …). */
  stanzaType: string;
  receivedAt: Date;
  /** The group (or `status@broadcast`) it was sent in; absent for a direct message. */
  chatJid?: string;
}

type Waiter = {
  predicate: (message: ReceivedMessage) => boolean;
  resolve: (message: ReceivedMessage) => void;
};

/** What a simulated phone has received, with a way to wait for the next matching message. */
export class MessageLog {
  private readonly messages: ReceivedMessage[] = [];
  private waiters: Waiter[] = [];

  add(message: ReceivedMessage): void {
    this.messages.push(message);
    const matched = this.waiters.filter((w) => w.predicate(message));
    this.waiters = this.waiters.filter((w) => !matched.includes(w));
    for (const waiter of matched) waiter.resolve(message);
  }

  list(): ReceivedMessage[] {
    return [...this.messages];
  }

  find(id: string): ReceivedMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  /** Resolves with the first message (already received since `sinceIndex`, or arriving later) that matches. */
  waitFor(
    predicate: (m: ReceivedMessage) => boolean,
    timeoutMs: number,
    sinceIndex = 0,
  ): Promise<ReceivedMessage> {
    const existing = this.messages.slice(sinceIndex).find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching message arrived within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get size(): number {
    return this.messages.length;
  }
}

/** The visible text of a message: plain, extended, or a media caption. */
export function messageText(message: B.proto.IMessage): string | undefined {
  return (
    message.conversation ??
    message.extendedTextMessage?.text ??
    message.imageMessage?.caption ??
    message.videoMessage?.caption ??
    message.documentMessage?.caption ??
    undefined
  );
}
