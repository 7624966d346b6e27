import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { AdminBrowser, loginThroughForm, SandboxGateway } from './support/admin-browser';
import { ADMIN, eventually } from './support/gateway-fixture';
import { WebhookReceiver } from './support/webhook-receiver';

jest.setTimeout(180_000);

const LEGACY_PASSWORD = 'legacy-dashboard-password';
const SALES_PHONE = '6281299990077';
const SUPPORT_PHONE = '6281299990078';
const contactPhone = (i: number) => `62812444${String(i).padStart(5, '0')}`;
const XSS_NAME = '<img src=x onerror=alert(1)>';
/** Data rows whose phone is not a phone number, and the file lines they are on (line 1 is the header). */
const BAD_ROWS = new Map([
  [10, 'call me'],
  [97, '12'],
  [185, 'abc-def'],
]);
const ROWS = 200;
const GOOD = ROWS - BAD_ROWS.size;

/** The good rows: index among the good rows -> phone, name and code. */
const goodRecipients = Array.from({ length: GOOD }, (_, i) => ({
  phone: contactPhone(i),
  name: i === 5 ? XSS_NAME : `Name ${i}`,
  code: `C-${i * 7}`,
}));

function recipientsCsv(): string {
  const lines = ['phone,name,code'];
  let good = 0;
  for (let row = 0; row < ROWS; row++) {
    const bad = BAD_ROWS.get(row);
    if (bad) lines.push(`${bad},Broken ${row},X`);
    else {
      const r = goodRecipients[good++];
      lines.push(`+${r.phone},"${r.name}",${r.code}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const badLines = [...BAD_ROWS.keys()].map((row) => row + 2);
const badgeStatus = (page: Page, selector: string) => page.getAttribute(selector, 'data-status');

/** Waits for the view with this heading; on failure says what the page shows instead. */
async function showsView(page: Page, title: string): Promise<void> {
  try {
    await page.waitForSelector(`h1:text-is("${title}")`, { timeout: 20_000 });
  } catch (error) {
    const shown = await page.evaluate(
      () => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText,
    );
    throw new Error(`The page did not show "${title}"; it shows:\n${shown.slice(0, 1500)}`, { cause: error });
  }
}

describe('admin SPA at /admin, in Chromium, against the gateway in sandbox mode', () => {
  const gateway = new SandboxGateway();
  const receiver = new WebhookReceiver();
  const files = mkdtempSync(join(tmpdir(), 'wagw-admin-files-'));
  let browser: AdminBrowser;
  let page: Page;
  let adminToken: string;
  let listId: number;
  let campaignId: number;

  beforeAll(async () => {
    await gateway.start('wagw_admin_spa', {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ADMIN_DASHBOARD_PASSWORD: LEGACY_PASSWORD,
      CAMPAIGN_TICK_MS: '100',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    });
    // The receiver refuses session.status events (they become dead letters) until told otherwise.
    await receiver.start();
    receiver.respond = (hook) =>
      hook.headers['x-webhook-event'] === 'session.status'
        ? { status: 503, body: 'receiver busy' }
        : { status: 200, body: 'ok from receiver' };
    browser = await AdminBrowser.launch(gateway.base);
    page = await browser.newPage();
    adminToken = await gateway.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway.close();
    await receiver.stop();
    rmSync(files, { recursive: true, force: true });
  });

  it("logs in and sets the global webhook; the test button shows the receiver's status, not its answer", async () => {
    await loginThroughForm(page, gateway.base, ADMIN.email, ADMIN.password);
    await showsView(page, 'Dashboard');
    await page.waitForSelector('#live-status:text-is("live")');

    await page.click('nav >> a:text-is("Webhooks")');
    await page.fill('#webhook-config-form input[name=url]', receiver.url);
    await page.fill('#webhook-config-form input[name=maxRetries]', '0');
    await page.click('#webhook-config-form button[type=submit]');
    await page.waitForSelector('text=Webhook settings saved.');
    await page.click('#webhook-config-form button:text-is("Send test event")');
    await page.waitForSelector('[data-test-status]:text-is("200")');
    expect(await page.locator('[data-test-report]').textContent()).not.toContain('ok from receiver');
    expect(receiver.hooks.some((hook) => hook.body.event === 'webhook.test')).toBe(true);
  });

  it('creates a session, shows its QR (replaced by each new one), and turns the badge connected live when the simulated phone links it', async () => {
    await page.click('nav >> a:text-is("Sessions")');
    await page.fill('#create-session-form input[name=name]', 'Sales team');
    await page.fill('#create-session-form input[name=id]', 'sales');
    await page.click('#create-session-form button[type=submit]');
    await page.waitForURL(/\/admin\/sessions\/sales$/);
    // The API token is shown once, with a copy button.
    expect(await page.inputValue('input[data-secret=once]')).toMatch(/^wag_/);

    const qr = await page.waitForSelector('img[data-qr=sales][src^="data:image/png;base64,"]', {
      timeout: 30_000,
    });
    expect(await qr.evaluate((img) => (img as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
    await browser.screenshot(page, 'session-detail');

    // A new QR (here: the connection restarted) replaces the image in place.
    const firstQr = await page.getAttribute('img[data-qr=sales]', 'data-qr-value');
    await gateway.call('POST', '/api/v1/sessions/sales/disconnect', adminToken);
    await gateway.call('POST', '/api/v1/sessions/sales/connect', adminToken);
    await eventually(async () => {
      const value = await page.getAttribute('img[data-qr=sales]', 'data-qr-value', { timeout: 1000 });
      return value && value !== firstQr;
    }, 30_000);

    // The sessions list: the new session waits for its scan with a QR; the simulated phone scans it.
    await page.click('nav >> a:text-is("Sessions")');
    await page.waitForSelector('[data-session-card=sales] img[data-qr=sales][src^="data:image/png"]');
    expect(await badgeStatus(page, '[data-session-badge=sales]')).toBe('qr_pending');
    await browser.screenshot(page, 'sessions');
    // Set in the page now; still there after the link only if the page was never reloaded.
    await page.evaluate(() => ((globalThis as unknown as { notReloaded?: boolean }).notReloaded = true));

    await gateway.call('POST', '/api/v1/sandbox/sessions/sales/link', adminToken, {
      phoneNumber: SALES_PHONE,
    });
    await page.waitForSelector('[data-session-badge=sales][data-status=connected]', { timeout: 30_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    await page.waitForSelector('img[data-qr=sales]', { state: 'detached' });
  });

  it('uploads a CSV of 200 recipients with 3 bad rows: the report shows 197 added and the 3 line numbers', async () => {
    // Every good row is a simulated WhatsApp user, so the campaign below can reach them all.
    await Promise.all(
      goodRecipients.map((r) =>
        gateway.call('POST', '/api/v1/sandbox/contacts', adminToken, {
          phoneNumber: r.phone,
          pushName: `Contact ${r.phone.slice(-3)}`,
        }),
      ),
    );
    const csv = join(files, 'customers.csv');
    writeFileSync(csv, recipientsCsv());

    await page.click('nav >> a:text-is("Recipients")');
    await page.fill('#create-list-form input[name=list-name]', 'Customers');
    await page.click('#create-list-form button[type=submit]');
    await page.waitForURL(/\/admin\/recipients\/\d+$/);
    listId = Number(/\/recipients\/(\d+)$/.exec(page.url())![1]);

    await page.setInputFiles('#import-form input[type=file]', csv);
    await page.click('#import-form button[type=submit]');
    await page.waitForSelector('#import-report');
    expect(await page.textContent('[data-report=added]')).toBe(String(GOOD));
    expect(await page.textContent('[data-report=invalid]')).toBe('3');
    expect(
      await page.$$eval('#invalid-rows td[data-line]', (cells) => cells.map((c) => Number(c.textContent))),
    ).toEqual(badLines);
    expect(await page.getAttribute('#upload-progress', 'aria-valuenow')).toBe('100');
    await page.waitForSelector('#list-size:text-is("197 recipients")');
    await browser.screenshot(page, 'recipients-import');

    // Export: the browser downloads the list as CSV (fetched with the login, saved as a file).
    const [exported] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:text-is("Export CSV")'),
    ]);
    expect(exported.suggestedFilename()).toBe('Customers.csv');
    const exportedLines = readFileSync((await exported.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(exportedLines).toHaveLength(GOOD + 1);

    // A name that looks like HTML is shown as that text, never run.
    await page.fill('#recipient-search', 'img');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForSelector(`#recipients-table td[data-recipient-name]:text-is("${XSS_NAME}")`);
    expect(await page.$$('img[src="x"]')).toHaveLength(0);
    expect(browser.dialogs).toEqual([]);
  });

  it('creates a campaign with a variable and starts it: the bar reaches 100% and each contact got their own text', async () => {
    await page.click('nav >> a:text-is("Campaigns")');
    await page.click('a:text-is("New campaign")');
    await page.fill('#campaign-form input[name=name]', 'Codes for everyone');
    await page.selectOption('#campaign-form select[name=session]', 'sales');
    await page.check(`#campaign-form input[name=lists][value="${listId}"]`);
    await page.fill('#campaign-form textarea[name=template]', 'Hi {{name}}, your code is {{code}}.');
    // The live preview renders the template for a sample recipient of the list.
    await page.waitForSelector('#template-preview:text-is("Hi Name 0, your code is C-0.")');
    await page.selectOption('#campaign-form select[name=sample]', '5');
    await page.waitForSelector(`#template-preview:text-is("Hi ${XSS_NAME}, your code is C-35.")`);
    await page.fill('#campaign-form input[name=minDelay]', '0.02');
    await page.fill('#campaign-form input[name=maxDelay]', '0.08');
    await browser.screenshot(page, 'campaign-new', true);
    await page.check('#campaign-form input[name=when][value=now]');
    await page.click('#campaign-form button[type=submit]');
    await page.waitForURL(/\/admin\/campaigns\/\d+$/);
    campaignId = Number(/\/campaigns\/(\d+)$/.exec(page.url())![1]);

    // Mid-run: the bar moves with the pushed progress.
    await eventually(
      async () => {
        const now = Number(await page.getAttribute('#campaign-progress', 'aria-valuenow'));
        return now >= 10 && now < 100;
      },
      60_000,
      50,
    );
    await browser.screenshot(page, 'campaign-running');
    await page.waitForSelector('#campaign-progress[aria-valuenow="100"]', { timeout: 120_000 });
    await page.waitForSelector('#campaign-status[data-status=completed]', { timeout: 30_000 });
    expect(await page.textContent('[data-count=failed] .fw-semibold')).toBe('0');

    // What the simulated phones received, each their own text from the campaign's session.
    const received = await Promise.all(
      goodRecipients.map((r) =>
        gateway.call<{ from: string; text: string | null }[]>(
          'GET',
          `/api/v1/sandbox/contacts/${r.phone}/messages`,
          adminToken,
        ),
      ),
    );
    goodRecipients.forEach((r, i) => {
      expect(received[i].filter((m) => m.from === SALES_PHONE).map((m) => m.text)).toEqual([
        `Hi ${r.name}, your code is ${r.code}.`,
      ]);
    });
  });

  it('shows the other views with the data of the run: dead letters retried, dashboard, messages, users, activity, sandbox', async () => {
    // Dead letters (the receiver refused session.status events): retried from the list once it accepts.
    await page.click('nav >> a:text-is("Webhooks")');
    await page.selectOption('select[name=delivery-status]', 'dead');
    await page.waitForSelector('#deliveries-table button:text-is("Retry")');
    const dead = await page.$$eval('#deliveries-table button:text-is("Retry")', (buttons) => buttons.length);
    receiver.respond = () => ({ status: 200, body: 'ok from receiver' });
    await page.click('#deliveries-table button:text-is("Retry")');
    await page.waitForSelector('text=Delivery queued again');
    await eventually(async () => {
      const { deliveries } = await gateway.call<{ deliveries: unknown[] }>(
        'GET',
        '/api/v1/webhooks/deliveries?event=session.status&status=delivered',
        adminToken,
      );
      return deliveries.length === 1;
    });
    await page.click('#deliveries-card button:text-is("Refresh")');
    await eventually(
      async () => (await page.$$('#deliveries-table button:text-is("Retry")')).length === dead - 1,
    );
    await page.selectOption('select[name=delivery-status]', '');
    await page.waitForSelector('#deliveries-table td:text-is("message.outbound")');
    await browser.screenshot(page, 'webhooks');

    await page.click('nav >> a:text-is("Dashboard")');
    await page.waitForSelector('#chart-per-day');
    await page.waitForSelector('[data-stat=messages] .stat-value');
    await eventually(
      async () =>
        Number((await page.textContent('[data-stat=messages] .stat-value'))?.replace(/\D/g, '')) >= GOOD,
      15_000,
    );
    await browser.screenshot(page, 'dashboard');

    await page.goto(`${gateway.base}/admin/sessions/sales/messages`);
    await page.waitForSelector('#messages-table td span:text-is("direct")');
    await browser.screenshot(page, 'messages');
    // The chat kind filter: this session has no group messages.
    await page.selectOption('#message-filters select[name=kind]', 'group');
    await page.click('#message-filters button[type=submit]');
    await page.waitForSelector('text=No messages match these filters.');
    // Text search: only the message with those words; its time has the seconds in its title.
    await page.selectOption('#message-filters select[name=kind]', '');
    await page.selectOption('#message-filters select[name=direction]', 'outbound');
    await page.fill('#message-filters input[name=search]', 'code is C-35.');
    await page.click('#message-filters button[type=submit]');
    await page.waitForURL(/[?&]search=code/);
    const rows = '#messages-table tbody tr';
    await eventually(async () => (await page.$$(rows)).length === 1);
    expect(await page.textContent(`${rows} .message-text`)).toBe(`Hi ${XSS_NAME}, your code is C-35.`);
    const [found] = (
      await gateway.call<{ messages: { timestamp: string }[] }>(
        'GET',
        '/api/v1/sessions/sales/messages?search=code%20is%20C-35.',
        adminToken,
      )
    ).messages;
    const seconds = String(new Date(Number(found.timestamp) * 1000).getUTCSeconds()).padStart(2, '0');
    await page.hover(`${rows} time`);
    expect(await page.getAttribute(`${rows} time`, 'title')).toMatch(new RegExp(`\\d:\\d\\d:${seconds}\\b`));
    // Reset: every filter cleared, the URL without a query, the newest page of all messages again.
    await page.click('#message-filters button:text-is("Reset filters")');
    await page.waitForURL(`${gateway.base}/admin/sessions/sales/messages`);
    await eventually(async () => (await page.$$(rows)).length === 50);
    expect(await page.inputValue('#message-filters input[name=search]')).toBe('');
    expect(await page.inputValue('#message-filters select[name=direction]')).toBe('');

    await page.click('nav >> a:text-is("Campaigns")');
    await page.waitForSelector(`#campaigns-table tr[data-campaign-id="${campaignId}"]`);
    await page.click('nav >> a:text-is("Users")');
    await page.waitForSelector('#users-table');
    await browser.screenshot(page, 'users');
    await page.click('nav >> a:text-is("Activity")');
    await page.waitForSelector('text=campaign.started');
    await browser.screenshot(page, 'activity');
    const [activityCsv] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:text-is("Export CSV")'),
    ]);
    expect(activityCsv.suggestedFilename()).toMatch(/^activity-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(readFileSync((await activityCsv.path())!, 'utf8')).toContain('campaign.started');

    // Sandbox panel: a contact writes to the session, and what the contact received shows.
    await page.click('nav >> a:text-is("Sandbox")');
    await page.selectOption('#sandbox-send-form select[name=contact]', '6281100000002');
    await page.selectOption('#sandbox-send-form select[name=session]', 'sales');
    await page.fill('#sandbox-send-form textarea[name=text]', 'Hello from Budi in the browser');
    await page.click('#sandbox-send-form button[type=submit]');
    await page.waitForSelector('text=Sent: it arrives in the session');
    await page.selectOption('#sandbox-send-form select[name=contact]', contactPhone(1));
    await page.waitForSelector('text=Hi Name 1, your code is C-7.');
    await browser.screenshot(page, 'sandbox');
    await eventually(async () => {
      const { messages } = await gateway.call<{ messages: { message: string }[] }>(
        'GET',
        '/api/v1/sessions/sales/messages?direction=inbound',
        adminToken,
      );
      return messages.some((m) => m.message === 'Hello from Budi in the browser');
    });

    // The same SPA on a phone-sized screen.
    const phone = await browser.newPage({ width: 390, height: 844 });
    await loginThroughForm(phone, gateway.base, ADMIN.email, ADMIN.password);
    await phone.goto(`${gateway.base}/admin/campaigns/${campaignId}`);
    await phone.waitForSelector('#campaign-progress');
    await browser.screenshot(phone, 'campaign-phone');
  });

  it('a viewer sees no create or delete controls, and a direct API call from the page is refused with 403', async () => {
    await gateway.call('POST', '/api/v1/users', adminToken, {
      email: 'viewer@example.com',
      password: 'viewer-password-1',
      role: 'viewer',
      mustChangePassword: false,
    });
    const viewer = await browser.newPage();
    await loginThroughForm(viewer, gateway.base, 'viewer@example.com', 'viewer-password-1');
    await showsView(viewer, 'Dashboard');
    const navLinks = await viewer.$$eval('nav a.nav-link', (links) => links.map((a) => a.textContent));
    expect(navLinks).toEqual(['Dashboard', 'Sessions', 'Messages', 'Recipients', 'Campaigns']);

    const mutating =
      'form#create-session-form, form#create-list-form, form#import-form, form#add-recipient-form, #campaign-actions, [data-action], a:text-is("New campaign"), button:text-matches("Delete|Remove|Create|Revoke|Disconnect|Log out of", "i")';
    for (const [path, ready] of [
      ['/sessions', '[data-session-card=sales]'],
      ['/sessions/sales', 'h1:text-is("Sales team")'],
      ['/recipients', 'a:text-is("Customers")'],
      [`/recipients/${listId}`, '#recipients-table'],
      ['/campaigns', '#campaigns-table'],
      [`/campaigns/${campaignId}`, '#campaign-progress'],
    ]) {
      await viewer.goto(`${gateway.base}/admin${path}`);
      await viewer.waitForSelector(ready);
      expect({
        path,
        mutating: await viewer.$$eval(mutating, (els) => els.map((e) => e.outerHTML.slice(0, 80))),
      }).toEqual({ path, mutating: [] });
    }
    expect(await viewer.$$('img[data-qr]')).toHaveLength(0);

    // The UI hides the controls, but the server is the judge.
    browser.expectFailureOf('status of 403');
    const status = await viewer.evaluate(async () => {
      const { accessToken } = JSON.parse(localStorage.getItem('wagw.auth') ?? '{}') as {
        accessToken: string;
      };
      const res = await fetch('/api/v1/sessions', {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Not allowed' }),
      });
      return res.status;
    });
    expect(status).toBe(403);
  });

  it('asks for a new password at the first login, stays logged in across reloads, logs out; the legacy password works', async () => {
    await gateway.call('POST', '/api/v1/users', adminToken, {
      email: 'ops@example.com',
      password: 'first-password-1',
      role: 'operator',
      mustChangePassword: true,
    });
    const ops = await browser.newPage();
    await loginThroughForm(ops, gateway.base, 'ops@example.com', 'first-password-1');
    await showsView(ops, 'Choose a new password');
    expect(await ops.$$('nav a.nav-link')).toHaveLength(0);
    await ops.fill('#change-password-form input[autocomplete=current-password]', 'first-password-1');
    const [next, again] = await ops.$$('#change-password-form input[autocomplete=new-password]');
    await next.fill('second-password-2');
    await again.fill('second-password-2');
    await ops.click('#change-password-form button[type=submit]');
    await showsView(ops, 'Dashboard');

    await ops.reload();
    await showsView(ops, 'Dashboard');
    await ops.goto(`${gateway.base}/admin/campaigns`);
    await ops.waitForSelector('a:text-is("New campaign")');

    await ops.click('#user-menu');
    await ops.click('#logout-button');
    await ops.waitForSelector('#login-form');
    expect(new URL(ops.url()).pathname).toBe('/admin/');
    await ops.reload();
    await ops.waitForSelector('#login-form');

    await ops.click('summary:text-is("Log in with the dashboard password")');
    await ops.fill('#legacy-login-form input[type=password]', LEGACY_PASSWORD);
    await ops.click('#legacy-login-form button[type=submit]');
    await showsView(ops, 'Dashboard');
    expect(await ops.getAttribute('[data-role]', 'data-role')).toBe('admin');
  });

  it('links a second session with a pairing code from its page, typed on the simulated phone', async () => {
    await gateway.call('POST', '/api/v1/sessions', adminToken, { id: 'support', name: 'Support' });
    await page.goto(`${gateway.base}/admin/sessions/support`);
    await page.click('summary:text-is("Link with a phone number instead")');
    await page.fill('#pairing-code-form input[name=phoneNumber]', `+${SUPPORT_PHONE}`);
    await page.click('#pairing-code-form button[type=submit]');
    const code = await page.waitForSelector('output[data-pairing-code]', { timeout: 30_000 });
    expect(await code.textContent()).toMatch(/^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$/);
    await browser.screenshot(page, 'pairing-code');
    await page.click('button[data-type-code]');
    await page.waitForSelector('[data-linked]', { timeout: 30_000 });
    expect(await page.textContent('[data-linked]')).toContain(SUPPORT_PHONE);
    expect(await page.$$('output[data-pairing-code]')).toHaveLength(0);
  });

  it("shows a session's groups with their members and invite link, and creates a group", async () => {
    const owner = '6281255500001';
    const member = '6281255500002';
    for (const phoneNumber of [owner, member])
      await gateway.call('POST', '/api/v1/sandbox/contacts', adminToken, {
        phoneNumber,
        pushName: phoneNumber,
      });
    const group = await gateway.call<{ jid: string }>('POST', '/api/v1/sandbox/groups', adminToken, {
      owner,
      members: [member, SUPPORT_PHONE],
      subject: 'Support crew',
    });
    // The session's account is made an admin of the group, so it may read the invite link.
    await gateway.call(
      'POST',
      `/api/v1/sandbox/groups/${encodeURIComponent(group.jid)}/participants`,
      adminToken,
      {
        actor: owner,
        action: 'promote',
        participants: [SUPPORT_PHONE],
      },
    );
    await page.goto(`${gateway.base}/admin/sessions/support`);
    await page.waitForSelector('#session-groups td:text-is("Support crew")', { timeout: 30_000 });
    await page.click(`#session-groups button[data-group-id="${group.jid}"]`);
    await page.waitForSelector('#session-groups caption:text-is("Members of Support crew")');
    const members = await page
      .locator('#session-groups caption:text-is("Members of Support crew") >> xpath=..')
      .innerText();
    for (const phone of [owner, member, SUPPORT_PHONE]) expect(members).toContain(phone);
    await page.click('#session-groups button:text-is("Invite link")');
    const link = await page.waitForSelector('input[data-invite-link]');
    expect(await link.inputValue()).toMatch(/^https:\/\/chat\.whatsapp\.com\/[\w-]+$/);

    await page.fill('#group-create-form input[name=subject]', 'Made in the admin app');
    await page.fill('#group-create-form textarea[name=participants]', `+${member}`);
    await page.click('#group-create-form button[type=submit]');
    await page.waitForSelector('#session-groups td:text-is("Made in the admin app")', { timeout: 30_000 });
    await browser.screenshot(page, 'session-groups');
  });

  it('stayed on 127.0.0.1 and the pages logged no errors', () => {
    expect(browser.requests.length).toBeGreaterThan(50);
    expect(browser.requestsLeavingLoopback()).toEqual([]);
    expect(browser.requests.some((url) => url.startsWith('ws://127.0.0.1'))).toBe(true);
    expect(browser.consoleErrors).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
    expect(browser.dialogs).toEqual([]);
  });
});
