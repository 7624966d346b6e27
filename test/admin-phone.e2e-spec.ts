import type { Page } from 'playwright-core';
import { DEMO_CONTACTS, DEMO_SESSION_ID } from '../src/sandbox/mode/sandbox-demo';
import { AdminBrowser, loginThroughForm, SandboxGateway } from './support/admin-browser';
import { ADMIN, eventually } from './support/gateway-fixture';

jest.setTimeout(180_000);

const PHONE = { width: 390, height: 844 };
const [ALICE, BUDI, CITRA] = DEMO_CONTACTS.map((c) => c.phoneNumber);
/** What the contacts write: a long word, a long line, a plain hello. */
const TEXTS = [
  `A word longer than a phone is wide: ${'Supercalifragilistic'.repeat(6)}`,
  'A long line of ordinary words that has to wrap on a small screen, several times over, to be read in full.',
  'Hello from a phone test',
];

/** The page's window and document inside page.evaluate (these tests compile without the DOM lib). */
interface PageWindow {
  innerWidth: number;
  document: {
    documentElement: { scrollWidth: number };
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
}
interface PageElement {
  textContent: string | null;
  getBoundingClientRect(): { left: number; right: number; width: number; height: number };
}

/** How far the page scrolls sideways (0: it does not), and the widest element past the right edge. */
const sideways = (page: Page) =>
  page.evaluate(() => {
    const w = globalThis as unknown as PageWindow;
    const over = Array.from(w.document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > w.innerWidth + 1)
      // Headings a phone's cards do not show (their text is each cell's label), and screen-reader text.
      .filter((el) => !(el as unknown as { closest(s: string): unknown }).closest('thead, .visually-hidden'))
      .map((el) => (el as unknown as { outerHTML: string }).outerHTML.slice(0, 120));
    return { excess: w.document.documentElement.scrollWidth - w.innerWidth, over: over.slice(-3) };
  });

describe('admin SPA on a 390x844 phone, in Chromium', () => {
  const gateway = new SandboxGateway();
  let browser: AdminBrowser;
  let phone: Page;
  let adminToken: string;
  let listId: number;
  let campaignId: number;

  beforeAll(async () => {
    await gateway.start('wagw_admin_phone', {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      CAMPAIGN_TICK_MS: '100',
    });
    adminToken = await gateway.login(ADMIN.email, ADMIN.password);
    await eventually(async () => {
      const session = await gateway.call<{ status: string }>(
        'GET',
        `/api/v1/sessions/${DEMO_SESSION_ID}`,
        adminToken,
      );
      return session.status === 'connected';
    }, 60_000);
    for (const [i, text] of TEXTS.entries())
      await gateway.call('POST', `/api/v1/sandbox/contacts/${[ALICE, BUDI, CITRA][i]}/messages`, adminToken, {
        sessionId: DEMO_SESSION_ID,
        text,
      });
    await eventually(async () => {
      const { messages } = await gateway.call<{ messages: { message: string | null }[] }>(
        'GET',
        `/api/v1/sessions/${DEMO_SESSION_ID}/messages?direction=inbound&limit=50`,
        adminToken,
      );
      return TEXTS.every((t) => messages.some((m) => m.message === t));
    }, 30_000);

    listId = (
      await gateway.call<{ id: number }>('POST', '/api/v1/recipient-lists', adminToken, { name: 'Phones' })
    ).id;
    for (const [i, c] of DEMO_CONTACTS.entries())
      await gateway.call('POST', `/api/v1/recipient-lists/${listId}/recipients`, adminToken, {
        phone: `+${c.phoneNumber}`,
        name: c.pushName,
        variables: { city: ['Yogyakarta', 'Semarang', 'Makassar'][i], code: `PX-${i}` },
      });
    campaignId = (
      await gateway.call<{ id: number }>('POST', '/api/v1/campaigns', adminToken, {
        name: 'Phone campaign',
        sessionId: DEMO_SESSION_ID,
        template: 'Hi {{name}} in {{city}}, code {{code}}',
        listIds: [listId],
        minDelayMs: 0,
        maxDelayMs: 0,
      })
    ).id;
    await gateway.call('POST', `/api/v1/campaigns/${campaignId}/start`, adminToken, {});
    await eventually(async () => {
      const c = await gateway.call<{ status: string }>('GET', `/api/v1/campaigns/${campaignId}`, adminToken);
      return c.status === 'completed';
    }, 60_000);

    browser = await AdminBrowser.launch(gateway.base);
    phone = await browser.newPage(PHONE);
    await loginThroughForm(phone, gateway.base, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway.close();
  });

  it('no page scrolls sideways: tables become cards, filters fold behind a button', async () => {
    const pages: [string, string][] = [
      ['/', '#stat-cards'],
      ['/sessions', `[data-session-card=${DEMO_SESSION_ID}]`],
      [`/sessions/${DEMO_SESSION_ID}`, '#session-webhook-form'],
      [`/sessions/${DEMO_SESSION_ID}/messages`, '#messages-table'],
      [`/sessions/${DEMO_SESSION_ID}/chats`, '#chat-list'],
      ['/campaigns', '#campaigns-table'],
      [`/campaigns/${campaignId}`, '#campaign-recipients'],
      ['/recipients', `a:text-is("Phones")`],
      [`/recipients/${listId}`, '#recipients-table'],
      ['/webhooks', '#deliveries-card'],
      ['/users', '#users-table'],
      ['/activity', 'table[data-cards]'],
      ['/sandbox', '#sandbox-send-form'],
    ];
    for (const [path, ready] of pages) {
      await phone.goto(`${gateway.base}/admin${path}`);
      await phone.waitForSelector(ready);
      // Tables are labelled as they come (a microtask after they are added).
      await phone.waitForFunction(
        () =>
          (globalThis as unknown as PageWindow).document.querySelectorAll('table.table:not([data-cards])')
            .length === 0,
      );
      expect({ path, ...(await sideways(phone)) }).toEqual({ path, excess: 0, over: [] });
    }

    // A table's row is a card: its cells carry their column's heading.
    await phone.goto(`${gateway.base}/admin/users`);
    await phone.waitForSelector('#users-table td[data-label="Email"]');
    expect(
      await phone.$eval(
        '#users-table tbody td',
        (td) =>
          (globalThis as unknown as { getComputedStyle(el: unknown): { display: string } }).getComputedStyle(
            td,
          ).display,
      ),
    ).toBe('flex');
    expect((await phone.locator('#users-table thead').boundingBox())?.width ?? 0).toBeLessThanOrEqual(1);

    // The filters fold behind a button on a phone, and open with it.
    for (const [path, filters] of [
      [`/sessions/${DEMO_SESSION_ID}/messages`, '#message-filters'],
      ['/activity', '#activity-filters'],
      ['/webhooks', '#delivery-filters'],
    ]) {
      await phone.goto(`${gateway.base}/admin${path}`);
      const toggle = await phone.waitForSelector(`button[aria-controls="${filters.slice(1)}"]`);
      expect(await phone.isVisible(filters)).toBe(false);
      await toggle.click();
      expect(await phone.isVisible(filters)).toBe(true);
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    }
  });

  it('the messages view shows the text of each message on the phone, within the screen', async () => {
    await phone.goto(`${gateway.base}/admin/sessions/${DEMO_SESSION_ID}/messages`);
    await phone.waitForSelector('#messages-table');
    for (const text of TEXTS) {
      const cell = phone.locator('#messages-table .message-text', { hasText: text });
      await cell.waitFor();
      expect(await cell.isVisible()).toBe(true);
      const box = (await cell.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      expect(await cell.textContent()).toBe(text);
    }
    // Compact cards: a page of messages is a few screens, not eleven.
    const rows = await phone.$$eval('#messages-table tbody tr', (trs) => trs.length);
    const height = await phone.evaluate(
      () =>
        (globalThis as unknown as { document: { body: { scrollHeight: number } } }).document.body
          .scrollHeight,
    );
    expect(rows).toBeGreaterThanOrEqual(TEXTS.length);
    expect(height / rows).toBeLessThan(PHONE.height / 3);
    await browser.screenshot(phone, 'messages-phone');
  });

  it("the campaign's bar label and its counts say the same", async () => {
    await phone.goto(`${gateway.base}/admin/campaigns/${campaignId}`);
    await phone.waitForSelector('#campaign-progress[aria-valuenow="100"]');
    const label = (await phone.textContent('#campaign-progress-label'))!;
    const count = async (status: string) =>
      Number(await phone.textContent(`[data-count=${status}] .fw-semibold`));
    const sent = /(\d+) sent/.exec(label)![1];
    const delivered = /(\d+) delivered/.exec(label)![1];
    expect(Number(sent)).toBe(await count('sent'));
    expect(Number(delivered)).toBe(await count('delivered'));
    expect(Number(/(\d+) failed/.exec(label)![1])).toBe(await count('failed'));
    expect(await count('sent')).toBe(DEMO_CONTACTS.length);
  });

  it('a new signing secret shows its fingerprint at once (global and per session), never the secret', async () => {
    const page = await browser.newPage();
    await loginThroughForm(page, gateway.base, ADMIN.email, ADMIN.password);
    await page.goto(`${gateway.base}/admin/webhooks`);
    const before = (await (await page.waitForSelector('#webhook-secret-fingerprint')).textContent())!;
    expect(before).toMatch(/^[0-9a-f]{12}$/);
    await page.click('button:text-is("New signing secret")');
    await page.click('.modal.show button:text-is("Replace")');
    await page.waitForSelector('[data-secret=once]');
    const global = await gateway.call<{ secret: { fingerprint: string } }>(
      'GET',
      '/api/v1/webhooks/config',
      adminToken,
    );
    expect(global.secret.fingerprint).not.toBe(before);
    await page.waitForSelector(`#webhook-secret-fingerprint:text-is("${global.secret.fingerprint}")`);

    await page.goto(`${gateway.base}/admin/sessions/${DEMO_SESSION_ID}`);
    await page.waitForSelector('#session-secret-fingerprint:text-matches("^[0-9a-f]{12}$")');
    const first = await page.textContent('#session-secret-fingerprint');
    await page.click('#session-webhook-form button:text-is("New signing secret")');
    await page.click('.modal.show button:text-is("Replace")');
    const secret = await (await page.waitForSelector('[data-secret=once]')).inputValue();
    const own = await gateway.call<{ fingerprint: string }>(
      'GET',
      `/api/v1/webhooks/sessions/${DEMO_SESSION_ID}/secret`,
      adminToken,
    );
    expect(own.fingerprint).not.toBe(first);
    expect(JSON.stringify(own)).not.toContain(secret);
    await page.waitForSelector(`#session-secret-fingerprint:text-is("${own.fingerprint}")`);
  });

  it("an API token's last use shows without a reload", async () => {
    const { token } = await gateway.call<{ token: string }>(
      'POST',
      `/api/v1/sessions/${DEMO_SESSION_ID}/tokens`,
      adminToken,
      { name: 'phone-test' },
    );
    const page = await browser.newPage();
    await loginThroughForm(page, gateway.base, ADMIN.email, ADMIN.password);
    await page.goto(`${gateway.base}/admin/sessions/${DEMO_SESSION_ID}`);
    const lastUsed = 'tr:has(td:text-is("phone-test")) td[data-label="Last used"]';
    await page.waitForSelector(`${lastUsed}:text-is("—")`);
    await gateway.call('GET', `/api/v1/sessions/${DEMO_SESSION_ID}/messages?limit=1`, token);
    // Re-read while the page is in sight (every 10 s), with no reload.
    await page.waitForSelector(`${lastUsed}:not(:text-is("—"))`, { timeout: 20_000 });
    expect(await page.textContent(lastUsed)).toMatch(/\d{4}/);
  });

  it("recipient search finds a row by a variable's value", async () => {
    await phone.goto(`${gateway.base}/admin/recipients/${listId}`);
    await phone.waitForSelector('#recipients-table');
    expect(await phone.$$('#recipients-table tbody tr')).toHaveLength(DEMO_CONTACTS.length);
    await phone.fill('#recipient-search', 'semarang');
    await phone.press('#recipient-search', 'Enter');
    await phone.waitForFunction(
      () =>
        (globalThis as unknown as PageWindow).document.querySelectorAll('#recipients-table tbody tr')
          .length === 1,
    );
    expect(await phone.textContent('#recipients-table tbody tr')).toContain(`+${BUDI}`);
  });

  it('the sandbox inbox names a plain text "text", not its protocol name', async () => {
    await phone.goto(`${gateway.base}/admin/sandbox`);
    await phone.waitForSelector('#sandbox-send-form');
    await phone.selectOption('select[name=contact]', ALICE);
    const type = phone.locator('td[data-label="Type"]', { hasText: /^text$/ }).first();
    await type.waitFor();
    expect(await phone.locator('td[data-label="Type"]', { hasText: /Message$/ }).count()).toBe(0);
  });

  it('the sandbox shows a contact typing to the session, and the contact reads what the session sent it', async () => {
    const { messageId } = await gateway.call<{ messageId: string }>(
      'POST',
      `/api/v1/sessions/${DEMO_SESSION_ID}/messages/text`,
      adminToken,
      { to: `+${BUDI}`, text: 'Read me from the sandbox page' },
    );
    const statusOf = async () => {
      const { messages } = await gateway.call<{ messages: { messageId: string; status: string }[] }>(
        'GET',
        `/api/v1/sessions/${DEMO_SESSION_ID}/messages?direction=outbound&limit=50`,
        adminToken,
      );
      return messages.find((m) => m.messageId === messageId)?.status;
    };
    await eventually(async () => (await statusOf()) === 'delivered' || undefined);

    await phone.goto(`${gateway.base}/admin/sandbox`);
    await phone.waitForSelector('#sandbox-presence-form');
    await phone.selectOption('select[name=presence-contact]', BUDI);
    await phone.selectOption('select[name=presence-session]', DEMO_SESSION_ID);
    await phone.selectOption('select[name=presence-state]', 'composing');
    await phone.click('#sandbox-presence-form button[type=submit]');
    await phone
      .locator('#sandbox-presence-form .alert-success', {
        hasText: 'Typing: the session gets a presence.update',
      })
      .waitFor();

    await phone.click('#sandbox-read-all');
    const outcome = phone.locator('#sandbox-presence-form [aria-live] .alert', { hasNotText: 'Typing' });
    await outcome.waitFor();
    // The demo session may have written to the contact too: all of it is read.
    expect(await outcome.textContent()).toMatch(/^Read \d+ messages?: their status becomes read/);
    await eventually(async () => (await statusOf()) === 'read' || undefined);
    expect((await sideways(phone)).excess).toBeLessThanOrEqual(0);
  });

  it('no page logged an error or threw', () => {
    expect(browser.pageErrors).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
  });
});
