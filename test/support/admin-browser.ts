import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { SandboxRuntime } from '../../src/sandbox/mode/sandbox-runtime';
import { silenceLibsignalConsole } from './baileys-test-client';
import { baseUrl } from './gateway-fixture';
import { testConfig } from './test-app';
import { createTestDatabase, type TestDatabase } from './test-database';

/** Where the views are pictured: a temporary folder, or docs/screenshots under `npm run screenshots`. */
export const SCREENSHOTS = process.env.SCREENSHOTS_DIR
  ? resolve(process.env.SCREENSHOTS_DIR)
  : join(tmpdir(), 'wagw-screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The gateway in sandbox mode, as `npm run sandbox` starts it (in-process simulator, self-linking
 * demo session), on its own database and an ephemeral 127.0.0.1 port.
 */
export class SandboxGateway {
  app!: NestExpressApplication;
  base!: string;
  private db!: TestDatabase;
  /** The in-process simulator, for what the sandbox routes do not offer (a contact sending a picture). */
  runtime!: SandboxRuntime;
  private readonly media = mkdtempSync(join(tmpdir(), 'wagw-admin-media-'));
  private restoreConsole: (() => void) | undefined;

  async start(prefix: string, overrides: Record<string, string> = {}): Promise<this> {
    this.restoreConsole = silenceLibsignalConsole();
    this.db = await createTestDatabase(prefix);
    this.runtime = await SandboxRuntime.start();
    const config = testConfig(this.db.url, { SANDBOX: 'true', MEDIA_PATH: this.media, ...overrides });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot(config, { sandbox: { runtime: this.runtime } })],
    }).compile();
    this.app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
    configureApp(this.app, config);
    await this.app.listen(0, '127.0.0.1');
    this.base = baseUrl(this.app);
    return this;
  }

  /** A JSON call to the gateway from the test (not from the page), answering the envelope's data. */
  async call<T = unknown>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await res.json().catch(() => null)) as { data?: T; message?: string } | null;
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${payload?.message ?? ''}`);
    return payload?.data as T;
  }

  async login(email: string, password: string): Promise<string> {
    return (
      await this.call<{ accessToken: string }>('POST', '/api/v1/auth/login', undefined, { email, password })
    ).accessToken;
  }

  async close(): Promise<void> {
    await this.app?.close().catch(() => undefined);
    await this.runtime?.stop().catch(() => undefined);
    await this.db?.drop();
    rmSync(this.media, { recursive: true, force: true });
    this.restoreConsole?.();
  }
}

export interface ConsoleProblem {
  text: string;
  url: string;
}

/**
 * Debian's Chromium driven by Playwright, recording what every page does: each request and WebSocket
 * it opens, console errors, uncaught exceptions and dialogs (alert/confirm) that appear.
 */
export class AdminBrowser {
  readonly requests: string[] = [];
  readonly consoleErrors: ConsoleProblem[] = [];
  readonly pageErrors: string[] = [];
  readonly dialogs: string[] = [];
  private readonly contexts: BrowserContext[] = [];
  /** Console errors the test provoked on purpose (e.g. a refused API call), by URL part. */
  private readonly expectedFailures: string[] = [];

  private constructor(
    private readonly browser: Browser,
    readonly base: string,
  ) {}

  /** A fresh headless Chromium (Playwright gives it its own new, temporary user-data dir). */
  static async launch(base: string): Promise<AdminBrowser> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-quic',
        '--disable-sync',
      ],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
    return new AdminBrowser(browser, base);
  }

  /** A page in a new browser context: its own storage, so its own login (and its own time zone). */
  async newPage(
    viewport = { width: 1280, height: 860 },
    { timezoneId = 'Asia/Jakarta' } = {},
  ): Promise<Page> {
    const context = await this.browser.newContext({
      viewport,
      acceptDownloads: true,
      timezoneId,
      locale: 'en-GB',
    });
    this.contexts.push(context);
    context.on('request', (request) => this.requests.push(request.url()));
    const page = await context.newPage();
    page.on('websocket', (ws) => this.requests.push(ws.url()));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const url = message.location().url ?? '';
      if (this.expectedFailures.some((part) => `${message.text()} ${url}`.includes(part))) return;
      this.consoleErrors.push({ text: message.text(), url });
    });
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    return page;
  }

  /** Console errors about this URL part are expected from now on (a call the test makes fail). */
  expectFailureOf(urlPart: string): void {
    this.expectedFailures.push(urlPart);
  }

  /** Requests that went anywhere but the gateway on 127.0.0.1 (data: and blob: URLs stay in the page). */
  requestsLeavingLoopback(): string[] {
    return this.requests.filter((url) => {
      if (url.startsWith('data:') || url.startsWith('blob:')) return false;
      return new URL(url).hostname !== '127.0.0.1';
    });
  }

  async screenshot(page: Page, name: string, fullPage = false): Promise<void> {
    // Toasts ("Delivery queued again") belong to the moment, not to the picture of the view.
    await page.screenshot({
      path: join(SCREENSHOTS, `${name}.png`),
      fullPage,
      animations: 'disabled',
      style: '#toasts { display: none !important; }',
    });
  }

  async close(): Promise<void> {
    for (const context of this.contexts) await context.close().catch(() => undefined);
    await this.browser.close().catch(() => undefined);
  }
}

/** Logs in through the SPA's login form and waits for the dashboard (or the forced password change). */
export async function loginThroughForm(
  page: Page,
  base: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${base}/admin/`);
  await page.fill('#login-form input[name=email]', email);
  await page.fill('#login-form input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login-form', { state: 'detached' });
}
