import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { AppConfig } from '../config/app-config';
import type { EgressPolicy } from '../egress/address-policy';
import { checkUrl, EgressRefusedError, guardedAgent } from '../egress/egress-guard';
import { EgressPolicies } from '../egress/egress-policies';
import type { PostOutcome } from './retry-policy';

/** Bodies beyond this are not kept (only a snippet is ever stored or shown). */
const MAX_BODY_CHARS = 4096;
const TIMEOUT_ERRORS = new Set([
  'AbortError',
  'TimeoutError',
  'HeadersTimeoutError',
  'BodyTimeoutError',
  'ConnectTimeoutError',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * POSTs webhook bodies over keep-alive connections (one undici Agent for the process, up to
 * WEBHOOK_CONCURRENCY sockets per receiver), only to addresses the webhook egress policy allows, and
 * never following a redirect. Never throws: every result is a PostOutcome.
 */
@Injectable()
export class WebhookHttp implements OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly policy: EgressPolicy;

  constructor(config: AppConfig, policies: EgressPolicies) {
    this.policy = policies.webhooks;
    this.agent = guardedAgent(this.policy, {
      connections: config.WEBHOOK_CONCURRENCY,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
    });
  }

  async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<PostOutcome> {
    const started = performance.now();
    const latency = () => Math.round((performance.now() - started) * 10) / 10;
    const time = deadline(timeoutMs);
    try {
      const target = checkUrl(url, this.policy);
      const res = await this.agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'wa-gateway-webhooks/1.0', ...headers },
        body,
        // One deadline for the whole exchange (headers and body): undici's own timers would have
        // the same flaw as a plain AbortSignal.timeout (see deadline()).
        signal: time.signal,
      });
      const text = await readCapped(res.body);
      const retryAfter = res.headers['retry-after'];
      return {
        kind: 'response',
        status: res.statusCode,
        retryAfter: Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null),
        body: text,
        latencyMs: latency(),
      };
    } catch (error) {
      const e = error as {
        name?: string;
        code?: string;
        message?: string;
        cause?: { code?: string; message?: string };
      };
      const isTimeout = TIMEOUT_ERRORS.has(e.name ?? '') || TIMEOUT_ERRORS.has(e.code ?? '');
      const refusal = [error, e.cause].find((x): x is EgressRefusedError => x instanceof EgressRefusedError);
      const detail = refusal
        ? `refused: ${refusal.message}`
        : (e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(error));
      return {
        kind: isTimeout ? 'timeout' : 'network',
        error: isTimeout ? `no answer within ${timeoutMs} ms` : detail,
        latencyMs: latency(),
      };
    } finally {
      time.clear();
    }
  }

  // After the dispatcher has drained its lanes (it stops in onModuleDestroy).
  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/**
 * An abort signal that fires `ms` after now, but only once the event loop has polled for I/O after
 * the time ran out. Node runs due timers before it reads sockets, so after a moment of blocked work
 * (a GC pause, a burst of message handling) a plain timeout fires even when the receiver's answer is
 * already waiting on the socket; the delivery would be counted as timed out and posted again.
 */
function deadline(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    immediate = setImmediate(() =>
      controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')),
    );
  }, ms);
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}

/** Bodies up to this are read to the end, so the connection can be reused; a longer one is cut off. */
const MAX_BODY_BYTES = 64 * 1024;

/** Keeps the start of the body; a receiver sending more than MAX_BODY_BYTES loses its connection. */
async function readCapped(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.on('error', () => undefined);
      body.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY_CHARS);
}
