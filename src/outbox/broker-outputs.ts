import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { DEFAULT_EVENTS, type WebhookEventName } from './event-names';
import { RefreshingCache } from './refreshing-cache';

/** The kinds of broker an event can go to besides webhooks; each is an outbox channel of its own. */
export const BROKER_KINDS = ['rabbitmq', 'nats'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

/** The global broker outputs are stored in settings under this key. */
export const BROKER_SETTING_KEY = 'brokers';

/** One broker output as stored: its URL sealed (it carries credentials), where and what it sends. */
export interface BrokerOutput {
  kind: BrokerKind;
  /** Sealed with SecretBox ('broker-url'). */
  url: string;
  /** The RabbitMQ exchange or the JetStream stream. */
  destination: string;
  /** NATS: subjects are <subjectPrefix>.<sessionId>.<event>; null for RabbitMQ. */
  subjectPrefix: string | null;
  /** The events sent; all but the opt-in ones when empty. */
  events: WebhookEventName[];
  /** Adds the webhook signature headers to each message. */
  signed: boolean;
}

/** The output that applies to a session's events: its own, else the global one of that kind. */
export interface ResolvedBrokerOutput extends BrokerOutput {
  scope: 'session' | 'global';
}

export type GlobalBrokerSetting = Partial<Record<BrokerKind, BrokerOutput>>;

type Db = Prisma.TransactionClient;

const CACHE_MS = 5_000;

export const eventsOf = (output: BrokerOutput): readonly WebhookEventName[] =>
  output.events.length ? output.events : DEFAULT_EVENTS;

/** What an outbox row of a broker channel keeps in target_url: the output's kind and scope, never its URL. */
export const brokerTargetRef = (output: ResolvedBrokerOutput): string => `${output.kind}:${output.scope}`;

const isKind = (value: unknown): value is BrokerKind => BROKER_KINDS.includes(value as BrokerKind);

const toOutput = (row: {
  kind: string;
  url: string;
  destination: string;
  subjectPrefix: string | null;
  events: unknown;
  signed: boolean;
}): BrokerOutput => ({
  kind: row.kind as BrokerKind,
  url: row.url,
  destination: row.destination,
  subjectPrefix: row.subjectPrefix ?? null,
  events: Array.isArray(row.events) ? (row.events as WebhookEventName[]) : [],
  signed: row.signed === true,
});

/**
 * The broker outputs (issue 20): the global ones (the settings row 'brokers') and each session's own
 * (session_broker_outputs), the owner of both. Reads are cached for a few seconds like the webhook
 * targets (the writer asks on every batch); changes made here are seen at once, elsewhere within
 * the cache time.
 */
@Injectable()
export class BrokerOutputs {
  private readonly global = new RefreshingCache<'global', GlobalBrokerSetting>(CACHE_MS);
  private readonly sessions = new RefreshingCache<string, BrokerOutput[]>(CACHE_MS);

  constructor(private readonly prisma: PrismaService) {}

  invalidate(sessionId?: string): void {
    if (sessionId) this.sessions.delete(sessionId);
    else {
      this.global.clear();
      this.sessions.clear();
    }
  }

  /** Per kind, the session's own output, else the global one (none when neither is set). */
  async forSession(sessionId: string | null, client?: Db): Promise<ResolvedBrokerOutput[]> {
    const global = await this.globalOutputs(client);
    const own = sessionId ? await this.sessionOutputs(sessionId, client) : [];
    const resolved: ResolvedBrokerOutput[] = [];
    for (const kind of BROKER_KINDS) {
      const mine = own.find((output) => output.kind === kind);
      if (mine) resolved.push({ ...mine, scope: 'session' });
      else if (global[kind]) resolved.push({ ...global[kind], scope: 'global' });
    }
    return resolved;
  }

  async output(sessionId: string | null, kind: BrokerKind): Promise<ResolvedBrokerOutput | null> {
    return (await this.forSession(sessionId)).find((output) => output.kind === kind) ?? null;
  }

  async globalOutputs(client?: Db): Promise<GlobalBrokerSetting> {
    return this.global.get(
      'global',
      () => this.readGlobal(client ?? this.prisma),
      () => this.readGlobal(this.prisma),
    );
  }

  async sessionOutputs(sessionId: string, client?: Db): Promise<BrokerOutput[]> {
    return this.sessions.get(
      sessionId,
      () => this.readSession(sessionId, client ?? this.prisma),
      () => this.readSession(sessionId, this.prisma),
    );
  }

  /**
   * Read-modify-write of the global outputs under a row lock (two admins, two processes), as
   * WebhookSettings.mutate does for the webhook config.
   */
  async setGlobal(kind: BrokerKind, output: BrokerOutput | null): Promise<void> {
    const value = await this.prisma.$transaction(
      async (tx) => {
        await tx.setting.upsert({
          where: { key: BROKER_SETTING_KEY },
          create: { key: BROKER_SETTING_KEY, value: {} },
          update: {},
        });
        await tx.$queryRaw`SELECT \`key\` FROM settings WHERE \`key\` = ${BROKER_SETTING_KEY} FOR UPDATE`;
        const next: GlobalBrokerSetting = { ...(await this.readGlobal(tx)) };
        if (output) next[kind] = output;
        else delete next[kind];
        await tx.setting.update({
          where: { key: BROKER_SETTING_KEY },
          data: { value: next as unknown as Prisma.InputJsonObject },
        });
        return next;
      },
      { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted },
    );
    this.global.set('global', value);
  }

  /** Sets (or with null removes) a session's own output of a kind; 404 when there is no such session. */
  async setSession(sessionId: string, kind: BrokerKind, output: BrokerOutput | null): Promise<void> {
    if (!output) {
      await this.prisma.sessionBrokerOutput.deleteMany({ where: { sessionId, kind } });
    } else {
      const data = {
        url: output.url,
        destination: output.destination,
        subjectPrefix: output.subjectPrefix,
        events: output.events,
        signed: output.signed,
      };
      try {
        await this.prisma.sessionBrokerOutput.upsert({
          where: { sessionId_kind: { sessionId, kind } },
          create: { sessionId, kind, ...data },
          update: data,
        });
      } catch (error) {
        if (
          error instanceof Prisma.PrismaClientKnownRequestError &&
          (error.code === 'P2003' ||
            (error.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause?.kind ===
              'ForeignKeyConstraintViolation')
        )
          throw new DomainError('SESSION_NOT_FOUND', 'Session not found');
        throw error;
      }
    }
    this.sessions.delete(sessionId);
  }

  /** Re-encrypts every stored broker URL inside the caller's transaction (a key rotation); returns how many. */
  async resealUrls(tx: Db, reseal: (sealed: string) => string): Promise<number> {
    const rows = await tx.sessionBrokerOutput.findMany();
    for (const row of rows) {
      await tx.sessionBrokerOutput.update({
        where: { sessionId_kind: { sessionId: row.sessionId, kind: row.kind } },
        data: { url: reseal(row.url) },
      });
    }
    const global = await this.readGlobal(tx);
    let count = rows.length;
    for (const kind of BROKER_KINDS) {
      const output = global[kind];
      if (!output) continue;
      global[kind] = { ...output, url: reseal(output.url) };
      count++;
    }
    if (count > rows.length) {
      await tx.setting.update({
        where: { key: BROKER_SETTING_KEY },
        data: { value: global as unknown as Prisma.InputJsonObject },
      });
    }
    this.invalidate();
    return count;
  }

  /** One sealed URL, if any is stored (tells which key a database was set up with). */
  async sampleUrl(): Promise<string | null> {
    const global = await this.readGlobal(this.prisma);
    const stored = BROKER_KINDS.map((kind) => global[kind]).find(Boolean);
    if (stored) return stored.url;
    return (await this.prisma.sessionBrokerOutput.findFirst({ select: { url: true } }))?.url ?? null;
  }

  private async readGlobal(client: Db): Promise<GlobalBrokerSetting> {
    const row = await client.setting.findUnique({ where: { key: BROKER_SETTING_KEY } });
    const value = row?.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    const stored: GlobalBrokerSetting = {};
    for (const [kind, output] of Object.entries(value)) {
      if (isKind(kind) && output && typeof output === 'object')
        stored[kind] = toOutput({ ...(output as unknown as BrokerOutput), kind });
    }
    return stored;
  }

  private async readSession(sessionId: string, client: Db): Promise<BrokerOutput[]> {
    const rows = await client.sessionBrokerOutput.findMany({ where: { sessionId } });
    return rows.filter((row) => isKind(row.kind)).map(toOutput);
  }
}
