import type { Page } from 'playwright-core';
import { AdminBrowser, loginThroughForm, SandboxGateway } from './support/admin-browser';
import { ADMIN } from './support/gateway-fixture';
import { TestProxy } from './support/test-proxies';

jest.setTimeout(120_000);

interface SessionView {
  autoRead: boolean;
  proxy: string | null;
  hasProxy: boolean;
}

interface UserView {
  email: string;
  role: string;
  mustChangePassword: boolean;
}

/** The admin SPA's forms as a new user meets them: what they start with and what they go back to. */
describe('admin SPA forms, in Chromium', () => {
  const gateway = new SandboxGateway();
  let browser: AdminBrowser;
  let page: Page;
  let adminToken: string;

  beforeAll(async () => {
    await gateway.start('wagw_admin_forms', {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    });
    browser = await AdminBrowser.launch(gateway.base);
    page = await browser.newPage();
    adminToken = await gateway.login(ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway.close();
  });

  it('puts the cursor in the email field of the login form', async () => {
    await page.goto(`${gateway.base}/admin/`);
    await page.waitForSelector('#login-form');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { activeElement: { name?: string } | null } }).document
          .activeElement?.name === 'email',
    );
  });

  it('creates two users in a row with the roles chosen; the form goes back to viewer with a forced password change', async () => {
    await loginThroughForm(page, gateway.base, ADMIN.email, ADMIN.password);
    await page.goto(`${gateway.base}/admin/users`);
    await page.waitForSelector('#create-user-form');
    const form = '#create-user-form';
    const startsAs = async () => ({
      role: await page.inputValue(`${form} select[name=role]`),
      mustChange: await page.isChecked(`${form} input[name=mustChangePassword]`),
    });
    expect(await startsAs()).toEqual({ role: 'viewer', mustChange: true });

    await page.fill(`${form} input[name=email]`, 'first-operator@example.com');
    await page.fill(`${form} input[name=password]`, 'first-password-1');
    await page.selectOption(`${form} select[name=role]`, 'operator');
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector('#users-table >> text=first-operator@example.com');
    // After one user: the least privileged role again, and the forced change checked.
    expect(await startsAs()).toEqual({ role: 'viewer', mustChange: true });

    // The second one is created without touching the role or the checkbox.
    await page.fill(`${form} input[name=email]`, 'second-user@example.com');
    await page.fill(`${form} input[name=password]`, 'second-password-2');
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector('#users-table >> text=second-user@example.com');

    const users = await gateway.call<UserView[] | { users: UserView[] }>('GET', '/api/v1/users', adminToken);
    const list = Array.isArray(users) ? users : users.users;
    const byEmail = new Map(list.map((u) => [u.email, u]));
    expect(byEmail.get('first-operator@example.com')).toMatchObject({
      role: 'operator',
      mustChangePassword: true,
    });
    expect(byEmail.get('second-user@example.com')).toMatchObject({
      role: 'viewer',
      mustChangePassword: true,
    });
  });

  it("sets a session's automatic read receipts and proxy from its page; a proxy that does not answer is refused beside the field", async () => {
    const proxy = await new TestProxy('socks5', { username: 'ops', password: 'proxy-secret-9' }).start();
    try {
      await gateway.call('POST', '/api/v1/sessions', adminToken, { id: 'settings', name: 'Settings' });
      await page.goto(`${gateway.base}/admin/sessions/settings`);
      const form = '#session-settings-form';
      await page.waitForSelector(form);
      expect(await page.isChecked(`${form} input[name=autoRead]`)).toBe(false);

      // A proxy on a port nothing listens on: refused, said beside the field, nothing saved.
      browser.expectFailureOf('/api/v1/sessions/settings');
      await page.check(`${form} input[name=autoRead]`);
      await page.fill(`${form} input[name=proxy]`, 'http://127.0.0.1:9');
      await page.click(`${form} button[type=submit]`);
      await page.waitForSelector(`${form} input[name=proxy].is-invalid, ${form} .alert-danger`);
      const unsaved = await gateway.call<SessionView>('GET', '/api/v1/sessions/settings', adminToken);
      expect(unsaved).toMatchObject({ autoRead: false, hasProxy: false });

      await page.fill(`${form} input[name=proxy]`, proxy.url());
      await page.click(`${form} button[type=submit]`);
      await page.waitForSelector('#session-settings-form >> xpath=.. >> text=The proxy answered');
      const saved = await gateway.call<SessionView>('GET', '/api/v1/sessions/settings', adminToken);
      expect(saved).toMatchObject({ autoRead: true, hasProxy: true });
      // The page shows the proxy masked, never its password.
      expect(await page.textContent(`${form} [data-proxy]`)).toBe(saved.proxy);
      expect(await page.content()).not.toContain('proxy-secret-9');

      await page.click(`${form} button:text-is("Remove proxy")`);
      await page.waitForSelector('text=Proxy removed');
      const removed = await gateway.call<SessionView>('GET', '/api/v1/sessions/settings', adminToken);
      expect(removed).toMatchObject({ autoRead: true, hasProxy: false, proxy: null });
    } finally {
      await proxy.close();
    }
  });

  it('logged no errors in the page', () => {
    expect(browser.pageErrors).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
  });
});
