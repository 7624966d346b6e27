import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent } from 'undici';
import { AppConfig } from '../config/app-config';
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
 * WEBHOOK_CONCURRENCY sockets per receiver). Never throws: every result is a PostOutcome.
 */
@Injectable()
export class WebhookHttp implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(config: AppConfig) {
    this.agent = new Agent({
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
    try {
      const target = new URL(url);
      const res = await this.agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'wa-gateway-webhooks/1.0', ...headers },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
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
      const detail = e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(error);
      return {
        kind: isTimeout ? 'timeout' : 'network',
        error: isTimeout ? `no answer within ${timeoutMs} ms` : detail,
        latencyMs: latency(),
      };
    }
  }

  // After the dispatcher has drained its lanes (it stops in onModuleDestroy).
  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/** Reads the whole body (so the connection can be reused) but keeps only its start. */
async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    if (text.length < MAX_BODY_CHARS) text += chunk.toString('utf8');
  }
  return text.slice(0, MAX_BODY_CHARS);
}
