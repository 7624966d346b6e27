import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase()) : value;
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every setting of the gateway, read once from the environment (and .env) at start and validated.
 * The defaults here are the ones documented in .env.example and the README.
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Matches(/^(mysql|mariadb):\/\/.+/, {
    message: 'must be a mysql:// URL, e.g. mysql://user:pass@127.0.0.1:3306/wa_gateway',
  })
  DATABASE_URL = '';

  @Transform(toBool)
  @IsBoolean()
  MIGRATE_ON_START = true;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** 32 bytes as 64 hex characters; derives the keys that encrypt auth state, secrets and tokens. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters (openssl rand -hex 32)' })
  TOKEN_ENCRYPTION_KEY?: string = undefined;

  /**
   * The key used before TOKEN_ENCRYPTION_KEY, during a rotation: when the stored key check matches
   * it, everything encrypted is re-encrypted under TOKEN_ENCRYPTION_KEY at start.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters (openssl rand -hex 32)' })
  TOKEN_ENCRYPTION_KEY_PREVIOUS?: string = undefined;

  /** Where a key is generated once and kept (mode 0600) when TOKEN_ENCRYPTION_KEY is unset outside production. */
  @IsString()
  @MinLength(1)
  TOKEN_ENCRYPTION_KEY_FILE = '.data/token-encryption.key';

  /** Signs user JWTs; derived from TOKEN_ENCRYPTION_KEY when not set. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(32)
  JWT_SECRET?: string = undefined;

  @Type(() => Number)
  @IsInt()
  @Min(60)
  JWT_TTL_SECONDS = 900;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  REFRESH_TOKEN_TTL_DAYS = 14;

  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(16)
  MASTER_API_KEY?: string = undefined;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail()
  ADMIN_EMAIL?: string = undefined;

  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(8)
  ADMIN_PASSWORD?: string = undefined;

  /** The seed's single legacy dashboard password; its login route exists only when this is set. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(8)
  ADMIN_DASHBOARD_PASSWORD?: string = undefined;

  /** Whether ADMIN_DASHBOARD_PASSWORD is accepted: on by default outside production, off in production unless true. */
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  ADMIN_DASHBOARD_PASSWORD_ENABLED?: boolean = undefined;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOGIN_LOCKOUT_MINUTES = 15;

  /** Failures of one account from every address within the window that lock it for everyone. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOGIN_ACCOUNT_MAX_FAILURES = 50;

  /** Express `trust proxy`: a hop count, a preset such as `loopback`, a list of addresses, or false. */
  @IsString()
  TRUST_PROXY = 'loopback';

  /** Comma-separated origins allowed by CORS; empty allows same-origin only. `*` allows any. */
  @IsString()
  CORS_ORIGINS = '';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOGIN_RATE_LIMIT_PER_MINUTE = 10;

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'must be a size such as 1mb or 512kb' })
  BODY_LIMIT = '1mb';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  WEBHOOK_URL?: string = undefined;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  WEBHOOK_TIMEOUT = 10000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(20)
  WEBHOOK_MAX_RETRIES = 3;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  WEBHOOK_RETRY_DELAY = 1000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(16)
  WEBHOOK_SECRET?: string = undefined;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  WEBHOOK_CONCURRENCY = 64;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  WEBHOOK_RETENTION_DAYS = 7;

  /**
   * Webhook URLs may point at loopback and private addresses (a receiver on this host or LAN). Off
   * in production unless set; on otherwise. Link-local and cloud metadata addresses never.
   */
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE?: boolean = undefined;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_SESSIONS = 10;

  /** A session with no WhatsApp traffic for this long is restarted; 0 turns it off. Fractions allowed. */
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  SESSION_TIMEOUT_HOURS = 24;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  QR_TIMEOUT_SECONDS = 120;

  @Type(() => Number)
  @IsInt()
  @Min(5)
  SESSION_LEASE_SECONDS = 30;

  /**
   * Saved sessions the supervisor opens at once (at start, or taken over from a dead process): each
   * holds its place from its lease to the end of its login, so a restart of many sessions is not a
   * thundering herd of handshakes and database reads.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  SESSION_RESTORE_CONCURRENCY = 32;

  /**
   * Balanced sessions: a process holds at most its fair share (sessions wanted / live processes,
   * rounded up) and hands the surplus to the others, at most SESSION_BALANCE_MOVES per supervision
   * pass, never a session it opened less than SESSION_BALANCE_MIN_HOLD_SECONDS ago. Off: a process
   * opens every free session, as before.
   */
  @Transform(toBool)
  @IsBoolean()
  SESSION_BALANCE = true;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  SESSION_BALANCE_MOVES = 5;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  SESSION_BALANCE_MIN_HOLD_SECONDS = 30;

  /** A send accepted while its session cannot send (reconnecting) waits this long, then fails (`expired`). */
  @Type(() => Number)
  @IsInt()
  @Min(5)
  OUTBOUND_TTL_SECONDS = 300;

  /** How often each process looks for queued sends of the sessions it holds, accepted by other processes (ms). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  OUTBOUND_POLL_MS = 250;

  /**
   * How long a request waits for the process holding its session to run work on the session's socket
   * (groups, presence, read receipts, contacts, edits) before it answers 503 or 504.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  SESSION_COMMAND_TIMEOUT_SECONDS = 15;

  /**
   * How long, after a session is opened by a new holder, a send its old holder left in flight may wait
   * for WhatsApp's answer (a receipt for its id) before it is failed as `unknown_after_crash`.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  OUTBOUND_SETTLE_SECONDS = 20;

  /** Sent and failed rows of the outbound queue (and their Idempotency-Keys) are kept this long. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  OUTBOUND_RETENTION_DAYS = 7;

  /**
   * A cluster's /ws relay (realtime/realtime-relay.ts): while more than one gateway process is live,
   * each writes the events it pushes over /ws to `realtime_events` and every process tails the others'
   * rows, so any /ws client sees every session's events. A process alone writes and reads nothing.
   */
  @Transform(toBool)
  @IsBoolean()
  REALTIME_RELAY = true;

  /** How often (ms) each process of a cluster reads the other processes' /ws events. */
  @Type(() => Number)
  @IsInt()
  @Min(20)
  @Max(5_000)
  REALTIME_RELAY_POLL_MS = 150;

  /** This process's name in session leases; defaults to host name and pid. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  INSTANCE_ID?: string = undefined;

  @IsString()
  MEDIA_PATH = './media';

  /** The message capture's journal (messages WhatsApp delivered while the database could not take them). */
  @IsString()
  @MinLength(1)
  JOURNAL_DIR = '.data/journal';

  @Transform(toBool)
  @IsBoolean()
  MEDIA_DOWNLOAD = true;

  @Type(() => Number)
  @IsInt()
  @Min(1024)
  MEDIA_MAX_BYTES = 16 * 1024 * 1024;

  /** The whole download of one inbound media file, from connecting to the last byte (then failed). */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  MEDIA_DOWNLOAD_TIMEOUT_MS = 60_000;

  /** Media sent by URL may be fetched from loopback and private addresses (off: an API token must not reach the LAN). */
  @Transform(toBool)
  @IsBoolean()
  MEDIA_URL_ALLOW_PRIVATE = false;

  /** Region used to read phone numbers written without a country code (ISO 3166 alpha-2). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'must be a two-letter country code such as ID or US' })
  DEFAULT_COUNTRY?: string = undefined;

  @Type(() => Number)
  @IsInt()
  @Min(1024)
  CSV_MAX_BYTES = 50 * 1024 * 1024;

  /** How often the campaign sender looks for running campaigns of its sessions (and crash leftovers), in ms. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  CAMPAIGN_TICK_MS = 1000;

  /** How often the scheduler starts scheduled campaigns whose time has come, in ms. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  CAMPAIGN_SCHEDULE_CHECK_MS = 1000;

  /** Attempts per campaign recipient on transient send errors before it is marked failed. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  CAMPAIGN_MAX_ATTEMPTS = 3;

  /** Wait before the first retry of a transient send error, in ms; doubles per attempt (max 1 hour). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  CAMPAIGN_RETRY_DELAY_MS = 30_000;

  /**
   * The bearer token Prometheus sends to GET /metrics (compared in constant time). Without it
   * /metrics does not exist (404). Required when METRICS_PORT is set.
   */
  @ValidateIf((c: AppConfig) => c.METRICS_PORT > 0 || c.METRICS_TOKEN !== undefined)
  @Transform(emptyToUndefined)
  @IsDefined({ message: 'METRICS_TOKEN is required when METRICS_PORT is set' })
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string = undefined;

  /** Serves /metrics on this port of METRICS_HOST instead of the API port (0: on the API port). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 0;

  /** The address METRICS_PORT listens on (loopback unless told otherwise). */
  @IsString()
  @MinLength(1)
  METRICS_HOST = '127.0.0.1';

  /** Runs the gateway against the built-in WhatsApp simulator (never in production). */
  @Transform(toBool)
  @IsBoolean()
  SANDBOX = false;

  @ValidateIf((c: AppConfig) => c.SANDBOX)
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SANDBOX_PORT = 0;

  /**
   * Sandbox mode against a simulator running in another process (tests that kill and restart the
   * gateway): its WebSocket URL, root public key (64 hex) and TLS certificate (a PEM file path or
   * the PEM in base64). Without a URL sandbox mode starts its own simulator.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^wss?:\/\/.+/, { message: 'must be a ws:// URL' })
  SANDBOX_SIMULATOR_WS_URL?: string = undefined;

  @ValidateIf((c: AppConfig) => c.SANDBOX_SIMULATOR_WS_URL !== undefined)
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters (the simulator root public key)' })
  SANDBOX_SIMULATOR_ROOT_KEY?: string = undefined;

  @ValidateIf((c: AppConfig) => c.SANDBOX_SIMULATOR_WS_URL !== undefined)
  @IsString()
  @MinLength(1)
  SANDBOX_SIMULATOR_CA?: string = undefined;

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }
}
