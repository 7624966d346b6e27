import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { AdminBrowser, loginThroughForm, SandboxGateway } from './support/admin-browser';
import { ADMIN } from './support/gateway-fixture';

jest.setTimeout(180_000);

/** A QR nobody scans stops the session after this long. */
const QR_TIMEOUT_SECONDS = 5;
const LINKED_PHONE = '6281277700001';
const contact = (i: number) => `62812777100${String(i).padStart(2, '0')}`;

/** The page's document inside page.evaluate (these tests compile without the DOM lib). */
interface PageDocument {
  activeElement: { getAttribute(name: string): string | null } | null;
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  querySelectorAll(selector: string): { length: number };
}

const actionsOf = (page: Page, sessionId: string) =>
  page.$$eval(`[data-session-actions="${sessionId}"] button[data-action]`, (buttons) =>
    buttons.map((b) => (b as unknown as { dataset: { action: string } }).dataset.action),
  );

const feedbackOf = (page: Page, form: string, field: string) =>
  page.textContent(`${form} .invalid-feedback[data-error-for="${field}"]`);

/** The session's lifecycle on its page, and the forms' errors beside their fields, in Chromium. */
describe('admin SPA: session lifecycle and field errors, in Chromium', () => {
  const gateway = new SandboxGateway();
  const files = mkdtempSync(join(tmpdir(), 'wagw-admin-lifecycle-'));
  let browser: AdminBrowser;
  let page: Page;
  let adminToken: string;
  let gapsListId: number;

  beforeAll(async () => {
    await gateway.start('wagw_admin_lifecycle', {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      QR_TIMEOUT_SECONDS: String(QR_TIMEOUT_SECONDS),
      CAMPAIGN_TICK_MS: '100',
    });
    browser = await AdminBrowser.launch(gateway.base);
    page = await browser.newPage();
    adminToken = await gateway.login(ADMIN.email, ADMIN.password);
    // Refusals the tests provoke on purpose (the browser logs each refused request).
    browser.expectFailureOf('status of 400');
  });
  afterAll(async () => {
    await browser?.close();
    await gateway.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('an empty login names the empty fields beside them (not "Validation failed"), and a typed value clears its error', async () => {
    await page.goto(`${gateway.base}/admin/`);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#login-form input[name=email].is-invalid');
    expect(await feedbackOf(page, '#login-form', 'email')).toBe('Email is required.');
    expect(await feedbackOf(page, '#login-form', 'password')).toBe('Password is required.');
    expect(await page.textContent('#login-form')).not.toContain('Validation failed');
    // The cursor goes to the first field in error; its message goes as soon as it is filled.
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as { document: PageDocument }).document.activeElement?.getAttribute('name'),
      ),
    ).toBe('email');
    await page.fill('#login-form input[name=email]', ADMIN.email);
    await page.waitForSelector('#login-form .invalid-feedback[data-error-for=email]', { state: 'detached' });
    expect(await page.$$('#login-form input[name=password].is-invalid')).toHaveLength(1);

    await loginThroughForm(page, gateway.base, ADMIN.email, ADMIN.password);
  });

  it('a QR nobody scans: the reason in words, only Connect and Delete, and "get a new one" brings a new QR', async () => {
    await gateway.call('POST', '/api/v1/sessions', adminToken, { id: 'late', name: 'Late' });
    await page.goto(`${gateway.base}/admin/sessions/late`);
    await page.waitForSelector('img[data-qr=late][src^="data:image/png"]', { timeout: 30_000 });
    expect(await actionsOf(page, 'late')).toEqual(['cancel', 'delete']);
    const firstQr = await page.getAttribute('img[data-qr=late]', 'data-qr-value');

    // The timeout stops it: the page follows the push, without a reload.
    await page.evaluate(() => ((globalThis as unknown as { notReloaded?: boolean }).notReloaded = true));
    await page.waitForSelector('[data-link-state=expired]', { timeout: (QR_TIMEOUT_SECONDS + 20) * 1000 });
    expect(await page.textContent('[data-link-state=expired]')).toContain('The code expired — get a new one');
    expect(await page.textContent('[data-last-stop]')).toBe('The QR code was not scanned in time.');
    expect(await page.getAttribute('[data-session-badge=late]', 'data-status')).toBe('disconnected');
    expect(await actionsOf(page, 'late')).toEqual(['connect', 'delete']);
    expect(await page.$$('img[data-qr=late]')).toHaveLength(0);
    await browser.screenshot(page, 'session-qr-expired');

    await page.click('button[data-new-code=late]');
    await page.waitForFunction(
      (previous) => {
        const img = (globalThis as unknown as { document: PageDocument }).document.querySelector(
          'img[data-qr=late]',
        );
        const value = img?.getAttribute('data-qr-value');
        return Boolean(img?.getAttribute('src')?.startsWith('data:image/png') && value && value !== previous);
      },
      firstQr,
      { timeout: 30_000 },
    );
    expect(await page.getAttribute('[data-session-badge=late]', 'data-status')).toBe('qr_pending');
    expect(await actionsOf(page, 'late')).toEqual(['cancel', 'delete']);
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
  });

  it('"Scan with a simulated phone" links the session: badge connected, only the connected actions, the process in words', async () => {
    await gateway.call('POST', '/api/v1/sessions', adminToken, { id: 'scan', name: 'Scanned' });
    await page.goto(`${gateway.base}/admin/sessions/scan`);
    await page.waitForSelector('img[data-qr=scan][src^="data:image/png"]', { timeout: 30_000 });
    // The pairing code is offered as soon as the session waits for a phone.
    await page.waitForSelector('[data-pairing-code-for=scan]');
    await page.fill('input[name=simulatedPhone]', LINKED_PHONE);
    await page.click('button[data-sandbox-scan=scan]');
    await page.waitForSelector('[data-session-badge=scan][data-status=connected]', { timeout: 30_000 });
    await page.waitForSelector('[data-linked]', { timeout: 30_000 });
    expect(await page.textContent('[data-linked]')).toContain(LINKED_PHONE);
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: PageDocument }).document.querySelectorAll(
          '[data-session-actions=scan] button[data-action]',
        ).length === 3,
    );
    expect(await actionsOf(page, 'scan')).toEqual(['disconnect', 'logout', 'delete']);
    await page.waitForSelector('[data-held-by]:has-text("Connected through gateway process")');
    expect(await page.textContent('[data-held-by]')).toMatch(
      /^Connected through gateway process \d+ on .+\.$/,
    );
    expect(await page.$$('img[data-qr=scan]')).toHaveLength(0);
    expect(await page.$$('[data-pairing-code-for=scan]')).toHaveLength(0);
    await browser.screenshot(page, 'session-connected');
  });

  it('the users form puts the API refusal of an email beside the email field', async () => {
    await page.goto(`${gateway.base}/admin/users`);
    const form = '#create-user-form';
    await page.waitForSelector(form);
    // Leaving a field with a value the browser refuses says so at once, before any submit.
    await page.fill(`${form} input[name=email]`, 'not-an-email');
    await page.press(`${form} input[name=email]`, 'Tab');
    await page.waitForSelector(`${form} input[name=email].is-invalid`);
    expect(await feedbackOf(page, form, 'email')).toBe('Enter an email address, like name@example.com.');
    // The browser accepts this one as an email; the gateway does not (two dots in a row).
    await page.fill(`${form} input[name=email]`, 'first..last@example.com');
    await page.fill(`${form} input[name=password]`, 'good-password-1');
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector(`${form} input[name=email].is-invalid`);
    expect(await feedbackOf(page, form, 'email')).toMatch(/email/i);
    expect(await page.$$(`${form} [data-form-summary] .alert`)).toHaveLength(0);
    expect(await page.$$(`${form} input[name=password].is-invalid`)).toHaveLength(0);

    await page.fill(`${form} input[name=email]`, 'first.last@example.com');
    await page.waitForSelector(`${form} .invalid-feedback[data-error-for=email]`, { state: 'detached' });
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector('#users-table >> text=first.last@example.com');
  });

  it('the campaign form warns of recipients lacking a variable before it creates anything, and starts once told to skip them', async () => {
    const list = await gateway.call<{ id: number }>('POST', '/api/v1/recipient-lists', adminToken, {
      name: 'Gaps',
    });
    const rows = [
      { phone: `+${contact(0)}`, name: 'Ani', variables: { city: 'Bandung' } },
      { phone: `+${contact(1)}`, name: 'Budi' },
      { phone: `+${contact(2)}`, name: 'Citra', variables: { city: 'Solo' } },
    ];
    gapsListId = list.id;
    for (const [i, row] of rows.entries()) {
      await gateway.call('POST', '/api/v1/sandbox/contacts', adminToken, {
        phoneNumber: contact(i),
        pushName: row.name,
      });
      await gateway.call('POST', `/api/v1/recipient-lists/${list.id}/recipients`, adminToken, row);
    }
    await page.goto(`${gateway.base}/admin/campaigns/new`);
    await page.waitForSelector('#campaign-form');
    // Its time zone is the browser's (Asia/Jakarta here), typed into a searchable field.
    expect(await page.inputValue('#campaign-form input[name=timeZone]')).toBe('Asia/Jakarta');
    await page.fill('#campaign-form input[name=name]', 'Cities');
    await page.selectOption('#campaign-form select[name=session]', 'scan');
    await page.check(`#campaign-form input[name=lists][value="${list.id}"]`);
    await page.fill('#campaign-form textarea[name=template]', 'Dear {{name}} in {{city}}');
    await page.fill('#campaign-form input[name=minDelay]', '0');
    await page.fill('#campaign-form input[name=maxDelay]', '0');
    await page.check('#campaign-form input[name=when][value=now]');
    await page.click('#campaign-form button[type=submit]');

    await page.waitForSelector('#missing-variables [data-missing-count="1"]');
    const warning = await page.textContent('#missing-variables');
    expect(warning).toContain('1 of 3 recipients lack a value for {{city}} (1).');
    expect(warning).toContain(`Budi +${contact(1)}: no {{city}}`);
    expect(warning).not.toMatch(/\/api\/|POST|missingVariables/);
    expect(await feedbackOf(page, '#campaign-form', 'missingVariables')).toContain(
      'Choose what happens to them',
    );
    expect(new URL(page.url()).pathname).toBe('/admin/campaigns/new');
    const before = await gateway.call<{ items?: unknown[] } | unknown[]>(
      'GET',
      '/api/v1/campaigns',
      adminToken,
    );
    expect(Array.isArray(before) ? before : (before.items ?? [])).toHaveLength(0);
    await browser.screenshot(page, 'campaign-missing-variables');

    await page.check('#missing-variables input[name=missingVariables][value=skip]');
    await page.click('#campaign-form button[type=submit]');
    await page.waitForURL(/\/admin\/campaigns\/\d+$/);
    const id = Number(/\/campaigns\/(\d+)$/.exec(page.url())![1]);
    await page.waitForSelector('#campaign-status[data-status=completed]', { timeout: 60_000 });
    const done = await gateway.call<{ counts?: Record<string, number>; skippedCount?: number }>(
      'GET',
      `/api/v1/campaigns/${id}`,
      adminToken,
    );
    expect(done.counts?.skipped ?? done.skippedCount).toBe(1);
  });

  it('an empty campaign form says what each field lacks beside it, all at once, and creates nothing', async () => {
    const campaigns = async () => {
      const found = await gateway.call<{ items?: unknown[] } | unknown[]>(
        'GET',
        '/api/v1/campaigns',
        adminToken,
      );
      return (Array.isArray(found) ? found : (found.items ?? [])).length;
    };
    const before = await campaigns();
    const creates: string[] = [];
    const onRequest = (request: Request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/v1/campaigns')
        creates.push(request.url());
    };
    page.on('request', onRequest);
    try {
      await page.goto(`${gateway.base}/admin/campaigns/new`);
      const form = '#campaign-form';
      await page.waitForSelector(form);
      await page.click(`${form} button[type=submit]`);
      await page.waitForSelector(`${form} input[name=name].is-invalid`);
      expect(await feedbackOf(page, form, 'name')).toBe('Name is required.');
      expect(await feedbackOf(page, form, 'template')).toBe('Template is required.');
      expect(await feedbackOf(page, form, 'lists')).toBe('Choose at least one recipient list.');
      // Each message stands right under its own field, not in a box at the bottom of the page.
      const under = (selector: string) =>
        page.$eval(
          selector,
          (el) =>
            (el as unknown as { nextElementSibling: { textContent: string } | null }).nextElementSibling
              ?.textContent,
        );
      expect(await under(`${form} input[name=name]`)).toBe('Name is required.');
      expect(await under(`${form} textarea[name=template]`)).toBe('Template is required.');
      expect(await page.$$(`${form} [data-form-summary] .alert`)).toHaveLength(0);
      expect(await page.textContent(form)).not.toMatch(/must be longer|name:/);
      expect(
        await page.evaluate(() =>
          (globalThis as unknown as { document: PageDocument }).document.activeElement?.getAttribute('name'),
        ),
      ).toBe('name');
      // As you type: the name's message goes, the others stay until their fields are filled.
      await page.fill(`${form} input[name=name]`, 'Half done');
      await page.waitForSelector(`${form} .invalid-feedback[data-error-for=name]`, { state: 'detached' });
      expect(await feedbackOf(page, form, 'template')).toBe('Template is required.');
      await page.click(`${form} button[type=submit]`);
      await page.waitForSelector(`${form} textarea[name=template].is-invalid`);
      expect(await page.$$(`${form} input[name=name].is-invalid`)).toHaveLength(0);
    } finally {
      page.off('request', onRequest);
    }
    expect(creates).toEqual([]);
    expect(await campaigns()).toBe(before);
  });

  it("a start refused on a draft's page for missing variables says what to do here, not which REST route to call", async () => {
    const draft = await gateway.call<{ id: number }>('POST', '/api/v1/campaigns', adminToken, {
      name: 'Cities again',
      sessionId: 'scan',
      template: 'Dear {{name}} in {{city}}',
      listIds: [gapsListId],
    });
    browser.expectFailureOf('status of 409');
    await page.goto(`${gateway.base}/admin/campaigns/${draft.id}`);
    await page.click('button[data-action=start-now]');
    const toast = await page.waitForSelector('#toasts .toast:has-text("lack template variables")');
    const text = await toast.textContent();
    expect(text).toContain('1 of 3 recipients lack template variables (city: 1)');
    expect(text).toContain('skip them');
    expect(text).not.toMatch(/\/api\/|GET |missingVariables/);
  });

  it('with the browser in UTC the zone picker starts at UTC, lists UTC and the browser zone first, and finds the rest by typing', async () => {
    const utc = await browser.newPage(undefined, { timezoneId: 'UTC' });
    await loginThroughForm(utc, gateway.base, ADMIN.email, ADMIN.password);
    await utc.goto(`${gateway.base}/admin/campaigns/new`);
    const zone = '#campaign-form input[name=timeZone]';
    await utc.waitForSelector(zone);
    expect(await utc.inputValue(zone)).toBe('UTC');
    const listId = await utc.getAttribute(zone, 'list');
    const options = await utc.$$eval(`datalist#${listId} option`, (els) =>
      els.map((o) => (o as unknown as { value: string }).value),
    );
    expect(options[0]).toBe('UTC');
    expect(options.length).toBeGreaterThan(300);
    expect(options).toContain('Africa/Abidjan');
    expect(options.filter((o) => o === 'UTC')).toHaveLength(1);
    // A name that is no zone is refused beside the field, not replaced by another zone.
    await utc.fill(zone, 'Mars/Olympus');
    await utc.click('#campaign-form button[type=submit]');
    await utc.waitForSelector(`${zone}.is-invalid`);
    expect(await feedbackOf(utc, '#campaign-form', 'timeZone')).toContain('is not a time zone');
    expect(await utc.inputValue(zone)).toBe('Mars/Olympus');
  });

  it('an import with refused rows says how many of how many were imported, and which lines were refused', async () => {
    const list = await gateway.call<{ id: number }>('POST', '/api/v1/recipient-lists', adminToken, {
      name: 'Small import',
    });
    const csv = join(files, 'small.csv');
    writeFileSync(
      csv,
      ['phone,name', `+${contact(10)},A`, 'nope,B', `+${contact(11)},C`, '12,D', `+${contact(12)},E`].join(
        '\n',
      ),
    );
    await page.goto(`${gateway.base}/admin/recipients/${list.id}`);
    await page.setInputFiles('#import-form input[type=file]', csv);
    await page.click('#import-form button[type=submit]');
    await page.waitForSelector('#import-report');
    expect(await page.textContent('[data-import-headline]')).toBe(
      'Imported 3 of 5 rows; 2 refused (lines 3, 5)',
    );
  });

  it('deleting a connected session leads to the list, without a reload of the deleted session (no 404)', async () => {
    await page.goto(`${gateway.base}/admin/sessions/scan`);
    await page.waitForSelector('[data-session-actions=scan] button[data-action=delete]');
    await page.click('[data-session-actions=scan] button[data-action=delete]');
    await page.click('.modal.show button:text-is("Delete")');
    await page.waitForURL(/\/admin\/sessions$/);
    await page.waitForSelector('[data-session-card=late]');
    // The list says why a session stopped too (here: its second QR ran out as well).
    await page.waitForSelector(
      '[data-last-stop-for=late]:text-is("Last stop: The QR code was not scanned in time.")',
      { timeout: (QR_TIMEOUT_SECONDS + 20) * 1000 },
    );
    expect(await page.$$('[data-session-card=scan]')).toHaveLength(0);
    expect(await page.$$('.alert-danger')).toHaveLength(0);
  });

  it('logged no errors in the pages (no 404 either)', () => {
    expect(browser.pageErrors).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
    expect(browser.dialogs).toEqual([]);
  });
});
