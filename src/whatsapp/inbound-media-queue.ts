import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Agent } from 'undici';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { guardedAgent } from '../egress/egress-guard';
import { ProxyDispatchers } from '../egress/proxy-tunnel';
import { EgressPolicies } from '../egress/egress-policies';
import { MediaStore } from '../media/media-store';
import { MessageMedia, type MediaOutcome, type MediaWrite } from '../messages/message-media';
import type { WAMessage } from './baileys';
import { downloadInboundMedia, type MediaDownloadContext } from './inbound-media';
import { sandboxMediaOrigin } from './media-source';
import { decodeRawMessage } from './raw-message';
import { SessionProxies } from './session-proxies';
import { WhatsAppSocketSettings } from './socket-settings';
import type { InboundMediaPort, MediaRetryResult } from './whatsapp.port';

/** Downloads at once per process: each holds a connection and a temporary file. */
const CONCURRENCY = 4;
/** Downloads waiting for a turn; one more is failed as 'busy' at once (an operator may retry it). */
const MAX_WAITING = 200;
/**
 * A state write is tried again, with these pauses, while the database fails or the message is not
 * in it yet (the capture holds it in its journal during an outage), for RECORD_FOR_MS at most.
 */
const RECORD_RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
const RECORD_FOR_MS = 15 * 60_000;

interface MediaJob {
  sessionId: string;
  waMessageId: string;
  message: WAMessage;
  mime: string | null;
}

const keyOf = (sessionId: string, waMessageId: string) => `${sessionId}\u0000${waMessageId}`;

/**
 * Attaches media to inbound messages already stored, off the per-session ordering path: at most
 * CONCURRENCY downloads at once, MAX_WAITING more in line, the rest failed as 'busy'. Each download
 * settles the message's media state with its `message.media` event (MessageMedia). Also the retry an
 * operator asks for.
 */
@Injectable()
export class InboundMediaQueue implements InboundMediaPort, OnApplicationShutdown {
  private readonly logger = new Logger(InboundMediaQueue.name);
  private readonly waiting: MediaJob[] = [];
  /** Downloads queued or running in this process, by session and message id. */
  private readonly inFlight = new Set<string>();
  private running = 0;
  private readonly agent: Agent;
  /** The same downloads through a session's proxy (the guard's address check kept, see proxy-tunnel.ts). */
  private readonly proxied: ProxyDispatchers;
  private readonly context: MediaDownloadContext;
  private readonly stop = new AbortController();
  private readonly recordTimers = new Set<NodeJS.Timeout>();

  constructor(
    config: AppConfig,
    policies: EgressPolicies,
    socketSettings: WhatsAppSocketSettings,
    store: MediaStore,
    private readonly media: MessageMedia,
    private readonly proxies: SessionProxies,
  ) {
    const sandboxOrigin = sandboxMediaOrigin(socketSettings.overrides.waWebSocketUrl);
    const policy = policies.inboundMedia(sandboxOrigin);
    // No redirects (undici's request follows none); a stalled connection gives up before the deadline.
    this.agent = guardedAgent(policy, {
      connections: CONCURRENCY,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    this.proxied = new ProxyDispatchers(policy, {
      connections: CONCURRENCY,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      tls: proxies.destinationTls(),
    });
    this.context = {
      store,
      agent: this.agent,
      policy,
      sandboxOrigin,
      maxBytes: config.MEDIA_MAX_BYTES,
      deadlineMs: config.MEDIA_DOWNLOAD_TIMEOUT_MS,
      signal: this.stop.signal,
    };
  }

  /** Queues the download of a stored message's media (its state is pending). Never throws. */
  submit(sessionId: string, message: WAMessage, mime: string | null): void {
    const waMessageId = message.key.id;
    if (!waMessageId || this.stop.signal.aborted) return;
    const key = keyOf(sessionId, waMessageId);
    if (this.inFlight.has(key)) return;
    if (this.running >= CONCURRENCY && this.waiting.length >= MAX_WAITING) {
      void this.record(sessionId, () =>
        this.media.settle(sessionId, waMessageId, { state: 'failed', error: 'busy' }),
      );
      return;
    }
    this.inFlight.add(key);
    this.waiting.push({ sessionId, waMessageId, message, mime });
    this.next();
  }

  /**
   * An operator's retry: the message must be inbound media not stored and not being downloaded
   * here. A message left pending by a process that stopped mid-download may be retried too.
   */
  async retry(sessionId: string, waMessageId: string): Promise<MediaRetryResult> {
    const found = await this.media.find(sessionId, waMessageId);
    if (!found) throw new DomainError('MESSAGE_NOT_FOUND', 'No inbound message with this id');
    if (found.mediaState === null) throw new DomainError('NO_MEDIA', 'This message has no media');
    if (found.mediaState === 'stored') throw new DomainError('MEDIA_STATE', 'The media is already stored');
    if (this.inFlight.has(keyOf(sessionId, waMessageId)))
      throw new DomainError('MEDIA_STATE', 'The media is being downloaded');
    const message = decodeRawMessage(found.raw);
    if (!message) throw new DomainError('NO_MEDIA', 'The message as received is not stored');
    if (found.mediaState !== 'pending' && !(await this.media.restart(sessionId, waMessageId)))
      throw new DomainError('MEDIA_STATE', 'The media state changed; read the message again');
    this.submit(sessionId, message, found.mediaMime);
    return { messageId: waMessageId, mediaState: 'pending' };
  }

  /** MEDIA_DOWNLOAD is off: a stored message's media is marked skipped. Never throws. */
  skip(sessionId: string, waMessageId: string): void {
    void this.record(sessionId, () => this.media.skip(sessionId, waMessageId));
  }

  async onApplicationShutdown(): Promise<void> {
    // Downloads under way end now and stay pending (retryable); nothing more starts.
    this.stop.abort();
    this.waiting.length = 0;
    for (const timer of this.recordTimers) clearTimeout(timer);
    this.recordTimers.clear();
    await this.agent.destroy().catch(() => undefined);
    await this.proxied.close();
  }

  private next(): void {
    while (this.running < CONCURRENCY && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running += 1;
      void this.run(job).finally(() => {
        this.running -= 1;
        this.inFlight.delete(keyOf(job.sessionId, job.waMessageId));
        this.next();
      });
    }
  }

  private async run(job: MediaJob): Promise<void> {
    let outcome: MediaOutcome;
    try {
      const proxy = await this.proxies.find(job.sessionId);
      const context = proxy ? { ...this.context, agent: this.proxied.for(proxy) } : this.context;
      outcome = await downloadInboundMedia(context, job.sessionId, job.message, job.mime);
    } catch (error) {
      this.logger.warn({ err: error, sessionId: job.sessionId }, 'Inbound media download failed');
      outcome = { state: 'failed', error: 'internal' };
    }
    if (this.stop.signal.aborted) return;
    if (outcome.state !== 'stored')
      this.logger.warn(
        { sessionId: job.sessionId, messageId: job.waMessageId, state: outcome.state, reason: outcome.error },
        'Inbound media not kept',
      );
    await this.record(job.sessionId, () => this.media.settle(job.sessionId, job.waMessageId, outcome));
  }

  /**
   * Writes a media state now, and again later while the database fails or does not have the
   * message yet; a message another download settled is left alone. Never throws.
   */
  private async record(
    sessionId: string,
    write: () => Promise<MediaWrite>,
    attempt = 0,
    since = Date.now(),
  ): Promise<void> {
    let result: MediaWrite | 'error';
    try {
      result = await write();
    } catch (error) {
      if (attempt === 0)
        this.logger.warn({ err: error, sessionId }, 'Could not record a media state; trying again');
      result = 'error';
    }
    if (result === 'done' || result === 'not_pending' || this.stop.signal.aborted) return;
    if (Date.now() - since > RECORD_FOR_MS) {
      this.logger.error({ sessionId, result }, 'Gave up recording a media state; the message stays pending');
      return;
    }
    const timer = setTimeout(
      () => {
        this.recordTimers.delete(timer);
        void this.record(sessionId, write, attempt + 1, since);
      },
      RECORD_RETRY_MS[Math.min(attempt, RECORD_RETRY_MS.length - 1)],
    );
    timer.unref();
    this.recordTimers.add(timer);
  }
}
