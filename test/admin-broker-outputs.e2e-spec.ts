import { randomBytes } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import type { Page } from 'playwright-core';
import { AdminBrowser, loginThroughForm, SandboxGateway } from './support/admin-browser';
import { ADMIN } from './support/gateway-fixture';

jest.setTimeout(120_000);

const EXCHANGE = `wa-spa-test-${randomBytes(4).toString('hex')}`;

/** The broker-output fields beside the global webhook, against the machine's real RabbitMQ. */
describe('admin SPA broker outputs, in Chromium', () => {
  const gateway = new SandboxGateway();
  let browser: AdminBrowser;
  let page: Page;
  const form = '#rabbitmq-output-form';

  beforeAll(async () => {
    await gateway.start('wagw_admin_brokers', {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    });
    browser = await AdminBrowser.launch(gateway.base);
    page = await browser.newPage();
    await loginThroughForm(page, gateway.base, ADMIN.email, ADMIN.password);
    await page.click('nav >> a:text-is("Webhooks")');
    await page.waitForSelector(form);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway.close();
    const amqp = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
    const channel = await amqp.createChannel();
    await channel.deleteExchange(EXCHANGE);
    await amqp.close();
  });

  it('refuses a URL that is not amqp:// beside the URL field, in words', async () => {
    await page.fill(`${form} input[name=rabbitmq-url]`, 'http://127.0.0.1:5672');
    await page.fill(`${form} input[name=rabbitmq-exchange]`, EXCHANGE);
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector(`${form} input[name=rabbitmq-url].is-invalid`);
    expect(await page.textContent(`${form} .invalid-feedback[data-error-for=rabbitmq-url]`)).toBe(
      'Must be an amqp:// or amqps:// URL.',
    );
    expect(await page.$$(`${form} input[name=rabbitmq-exchange].is-invalid`)).toHaveLength(0);
    expect(await page.$$(`${form} [data-form-summary] .alert`)).toHaveLength(0);
    expect(await page.textContent('#brokers-title >> xpath=..')).not.toContain('rabbitmq.url');
  });

  it('saves an output, shows its URL masked after a reload, and the test button reports the confirm', async () => {
    await page.fill(`${form} input[name=rabbitmq-url]`, 'amqp://guest:guest@127.0.0.1:5672');
    // The field's message goes as soon as it is corrected.
    await page.waitForSelector(`${form} .invalid-feedback[data-error-for=rabbitmq-url]`, {
      state: 'detached',
    });
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector('text=RabbitMQ output saved.');
    await page.reload();
    await page.waitForSelector(form);
    expect(await page.getAttribute(`${form} input[name=rabbitmq-url]`, 'placeholder')).toContain(
      'amqp://127.0.0.1:5672/***',
    );
    expect(await page.inputValue(`${form} input[name=rabbitmq-exchange]`)).toBe(EXCHANGE);
    expect(await page.content()).not.toContain('guest:guest');
    await page.click(`${form} button:text-is("Send test event")`);
    await page.waitForSelector('text=The broker confirmed the test event.');
    expect(await page.textContent('[data-broker-report=rabbitmq]')).toContain('webhook.test._');
  });

  it('logged no errors in the page', () => {
    expect(browser.pageErrors).toEqual([]);
    // The one refused save above is the browser's own report of that 400, nothing else.
    const refused = (e: { text: string; url?: string }) =>
      e.text.includes('400') && e.url?.endsWith('/api/v1/webhooks/brokers');
    expect(browser.consoleErrors.filter((e) => !refused(e))).toEqual([]);
    expect(browser.consoleErrors.filter(refused)).toHaveLength(1);
  });
});
