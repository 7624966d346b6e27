import type { Page } from 'playwright-core';
import { AdminBrowser, loginThroughForm, SandboxGateway } from './support/admin-browser';
import { ADMIN } from './support/gateway-fixture';

jest.setTimeout(120_000);

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

  it('logged no errors in the page', () => {
    expect(browser.pageErrors).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
  });
});
