import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { AdminBrowser, loginThroughForm, SandboxGateway } from './support/admin-browser';
import { ADMIN, eventually } from './support/gateway-fixture';

jest.setTimeout(180_000);

const SESSION = 'chats';
const SESSION_PHONE = '6281299990155';
const DEWI = '6281277700001';
const DEWI_JID = `${DEWI}@s.whatsapp.net`;
const EKO = '6281277700002';
const VIEWER = { email: 'viewer@example.com', password: 'viewer-password-1' };
/** A PNG of one colour: big enough to see in the screenshots. */
function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB
  const row = Buffer.concat([
    Buffer.from([0]),
    Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat()),
  ]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const OUR_PICTURE = solidPng(160, 90, [25, 135, 84]);
/** Enough of an ogg/opus file for WhatsApp's media path (it is uploaded and sent, never played). */
const VOICE_NOTE = Buffer.concat([Buffer.from('OggS\0\x02', 'latin1'), Buffer.alloc(2048, 7)]);
const THEIR_PICTURE = solidPng(120, 120, [13, 110, 253]);

interface Received {
  id: string;
  from: string;
  type: string;
  text: string | null;
}

/** A page whose Bootstrap modals open without their fade (a click during it would be ignored). */
async function newPage(browser: AdminBrowser, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage(viewport);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  return page;
}

const chatItem = (jid: string) => `#chat-list [data-chat-jid="${jid}"]`;
const bubbleWith = (text: string) => `.bubble-row:has(.message-text:text-is("${text}"))`;

/** No page of the app scrolls sideways. */
const scrollsSideways = (page: Page) =>
  page.evaluate(() => {
    const doc = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return doc.scrollWidth > doc.clientWidth;
  });

describe('admin SPA: conversations of a session, in Chromium, against the gateway in sandbox mode', () => {
  const gateway = new SandboxGateway();
  const files = mkdtempSync(join(tmpdir(), 'wagw-conversation-files-'));
  let browser: AdminBrowser;
  let page: Page;
  let admin: string;
  let dewiFirstId: string;
  let replyId: string;

  const received = () => gateway.call<Received[]>('GET', `/api/v1/sandbox/contacts/${DEWI}/messages`, admin);
  /** Dewi writes to the session; answers once the gateway stored it (so the next one comes after it). */
  const dewiWrites = async (text: string) => {
    const sent = await gateway.call<{ messageId: string }>(
      'POST',
      `/api/v1/sandbox/contacts/${DEWI}/messages`,
      admin,
      { sessionId: SESSION, text },
    );
    await eventually(async () => {
      const { messages } = await gateway.call<{ messages: { messageId: string }[] }>(
        'GET',
        `/api/v1/sessions/${SESSION}/messages?chat=${DEWI}&direction=inbound&limit=5`,
        admin,
      );
      return messages.some((m) => m.messageId === sent.messageId);
    });
    return sent;
  };

  beforeAll(async () => {
    await gateway.start('wagw_admin_chats', {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    });
    admin = await gateway.login(ADMIN.email, ADMIN.password);
    browser = await AdminBrowser.launch(gateway.base);
    await gateway.call('POST', '/api/v1/sandbox/contacts', admin, { phoneNumber: DEWI, pushName: 'Dewi' });
    await gateway.call('POST', '/api/v1/sandbox/contacts', admin, { phoneNumber: EKO, pushName: 'Eko' });
    await gateway.call('POST', '/api/v1/sessions', admin, { id: SESSION, name: 'Chats team' });
    // The simulated phone scans the session's QR as soon as it shows one.
    await eventually(
      () =>
        gateway
          .call('POST', `/api/v1/sandbox/sessions/${SESSION}/link`, admin, { phoneNumber: SESSION_PHONE })
          .then(() => true),
      30_000,
      250,
    );
    await eventually(
      async () =>
        (await gateway.call<{ status: string }>('GET', `/api/v1/sessions/${SESSION}`, admin)).status ===
        'connected',
      30_000,
    );
    await gateway.call('POST', '/api/v1/users', admin, {
      ...VIEWER,
      role: 'viewer',
      mustChangePassword: false,
    });
    page = await newPage(browser);
    await loginThroughForm(page, gateway.base, ADMIN.email, ADMIN.password);
    await page.waitForSelector('#live-status:text-is("live")');
  });
  afterAll(async () => {
    await browser?.close();
    await gateway.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('lists the chat with its unread count; opening it shows the thread and the count goes to 0; a new message shows live', async () => {
    ({ messageId: dewiFirstId } = await dewiWrites('Hello from Dewi'));
    await dewiWrites('Is anyone there?');

    await page.goto(`${gateway.base}/admin/sessions/${SESSION}`);
    await page.click('a:text-is("Conversations")');
    await page.waitForURL(new RegExp(`/admin/sessions/${SESSION}/chats$`));
    await page.waitForSelector(`${chatItem(DEWI_JID)}[data-unread-count="2"]`, { timeout: 20_000 });
    // The list is the gateway's own (GET .../chats), not derived from the stored messages.
    expect(await page.$$('[data-chats-derived]')).toHaveLength(0);
    expect(await page.textContent(`${chatItem(DEWI_JID)} .chat-preview`)).toBe('Is anyone there?');
    expect(await page.textContent(`${chatItem(DEWI_JID)} [data-unread]`)).toBe('2');
    // A session's conversations are under "Messages" in the menu.
    expect(await page.$$eval('nav a.nav-link.active', (links) => links.map((a) => a.textContent))).toEqual([
      'Messages',
    ]);

    await page.click(chatItem(DEWI_JID));
    await page.waitForURL(new RegExp(`/admin/sessions/${SESSION}/chats/${DEWI}$`));
    await page.waitForSelector(bubbleWith('Hello from Dewi'));
    await page.waitForSelector(`${chatItem(DEWI_JID)}[data-unread-count="0"]`, { timeout: 20_000 });
    // Times to the minute on the bubble, with seconds on hover.
    expect(await page.getAttribute(`${bubbleWith('Hello from Dewi')} time`, 'title')).toMatch(
      /\d{2}:\d{2}:\d{2}/,
    );
    await page.evaluate(() => ((globalThis as unknown as { notReloaded?: boolean }).notReloaded = true));

    await dewiWrites('Pushed while the chat is open');
    await page.waitForSelector(bubbleWith('Pushed while the chat is open'), { timeout: 20_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
  });

  it('a reply typed in the box reaches the contact, quoting the message it answers', async () => {
    await page.click(`${bubbleWith('Hello from Dewi')} [data-message-actions]`);
    await page.click(`${bubbleWith('Hello from Dewi')} [data-message-action=reply]`);
    await page.waitForSelector(`#conversation-composer [data-replying-to="${dewiFirstId}"]`);
    // Typing shows "typing…" on the contact's phone and a pause in typing stops it (each answered
    // 200: the gateway passed it to WhatsApp).
    const presence = (state: string) =>
      page.waitForResponse((response) => {
        const r = response.request();
        if (r.method() !== 'POST' || !r.url().endsWith(`/api/v1/sessions/${SESSION}/presence`)) return false;
        const body = r.postDataJSON() as { state: string; to: string };
        return body.state === state && body.to === DEWI_JID && response.status() === 200;
      });
    const composing = presence('composing');
    const paused = presence('paused');
    await page.fill('#conversation-composer textarea[name=text]', 'Hi Dewi, we are here');
    await composing;
    await paused;
    await page.press('#conversation-composer textarea[name=text]', 'Enter');

    const mine = `${bubbleWith('Hi Dewi, we are here')}[data-direction=outbound]`;
    await page.waitForSelector(`${mine} .bubble-quote[data-quoted-id="${dewiFirstId}"]`, { timeout: 20_000 });
    expect(await page.textContent(`${mine} .bubble-quote`)).toContain('Hello from Dewi');
    await page.waitForSelector(`${mine} [data-tick]:not([data-tick=pending])`, { timeout: 20_000 });
    expect(await page.$$('#conversation-composer [data-replying-to]')).toHaveLength(0);
    replyId = (await page.getAttribute(mine, 'data-message-id'))!;

    const got = await eventually(async () =>
      (await received()).find((m) => m.from === SESSION_PHONE && m.text === 'Hi Dewi, we are here'),
    );
    expect(got.id).toBe(replyId);
    const stored = await gateway.call<{ quotedId: string | null; direction: string }>(
      'GET',
      `/api/v1/sessions/${SESSION}/messages/${replyId}`,
      admin,
    );
    expect(stored).toMatchObject({ quotedId: dewiFirstId, direction: 'outbound' });
  });

  it("reacts to the contact's message: the reaction sits under it, and the contact's phone got it", async () => {
    const theirs = `.bubble-row[data-message-id="${dewiFirstId}"]`;
    await page.click(`${theirs} [data-message-actions]`);
    await page.click(`${theirs} [data-react="👍"]`);
    await page.waitForSelector(`${theirs} [data-reactions="👍"]`, { timeout: 20_000 });
    await eventually(async () => (await received()).some((m) => m.type === 'reactionMessage'));
  });

  it("edits and deletes the account's message: the bubble shows the marks, the contact's phone the change", async () => {
    const mine = `.bubble-row[data-message-id="${replyId}"]`;
    await page.click(`${mine} [data-message-actions]`);
    await page.click(`${mine} [data-message-action=edit]`);
    await page.fill('.modal textarea[name=edit-text]', 'Hi Dewi, we are right here');
    await page.click('.modal button:text-is("Save")');
    await page.waitForSelector('.modal', { state: 'detached' });
    await page.waitForSelector(`${mine} [data-edited]`, { timeout: 20_000 });
    expect(await page.textContent(`${mine} .message-text`)).toBe('Hi Dewi, we are right here');
    await eventually(async () => {
      const seen = await gateway.call<{ text: string }>(
        'GET',
        `/api/v1/sandbox/contacts/${DEWI}/messages/${replyId}`,
        admin,
      );
      return seen.text === 'Hi Dewi, we are right here';
    });

    await page.click(`${mine} [data-message-actions]`);
    await page.click(`${mine} [data-message-action=delete]`);
    await page.click('.modal button:text-is("Delete for everyone")');
    await page.waitForSelector('.modal', { state: 'detached' });
    await page.waitForSelector(`${mine} [data-revoked]`, { timeout: 20_000 });
    // A deleted message offers no more edit or delete.
    await page.click(`${mine} [data-message-actions]`);
    expect(
      await page.$$(`${mine} [data-message-action=edit], ${mine} [data-message-action=delete]`),
    ).toHaveLength(0);
    await page.keyboard.press('Escape');
    await eventually(async () => {
      const seen = await gateway.call<{ revoked: boolean }>(
        'GET',
        `/api/v1/sandbox/contacts/${DEWI}/messages/${replyId}`,
        admin,
      );
      return seen.revoked;
    });
  });

  it("sends a picture and a poll from the box, shows the contact's picture in place; the poll bubble shows the votes as they arrive", async () => {
    const picture = join(files, 'green.png');
    writeFileSync(picture, OUR_PICTURE);
    await page.setInputFiles('#conversation-composer input[type=file]', picture);
    await page.waitForSelector('#conversation-composer [data-attachment="green.png"]');
    await page.fill('#conversation-composer textarea[name=text]', 'A tiny picture');
    await page.click('#conversation-composer button[type=submit]');
    // The picture shows in place: fetched with the login from the media route, shown from a blob: URL.
    const image = await page.waitForSelector(
      '.bubble-row[data-type=image][data-direction=outbound] img[data-media=image]',
      { timeout: 20_000 },
    );
    await eventually(() =>
      image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth === 160),
    );
    await eventually(async () =>
      (await received()).some((m) => m.type === 'imageMessage' && m.text === 'A tiny picture'),
    );

    // A picture from the contact: downloaded by the gateway, then shown in place in its bubble.
    await gateway.runtime.simulator.sendMessage(DEWI, SESSION_PHONE, {
      media: { kind: 'image', data: THEIR_PICTURE, mimetype: 'image/png', caption: 'A picture from Dewi' },
    });
    const inbound = await page.waitForSelector(
      `${bubbleWith('A picture from Dewi')}[data-direction=inbound] img[data-media=image]`,
      { timeout: 30_000 },
    );
    await eventually(() =>
      inbound.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth === 120),
    );

    await page.click('#conversation-composer button:text-is("Poll")');
    await page.fill('.modal input[name=poll-question]', 'Lunch?');
    await page.fill('.modal textarea[name=poll-options]', 'Rice\nNoodles\nSoup');
    await page.click('.modal button:text-is("Send poll")');
    await page.waitForSelector('.modal', { state: 'detached' });
    const poll = '.bubble-row[data-type=poll][data-direction=outbound]';
    await page.waitForSelector(`${poll} .poll-option[data-option=Noodles][data-votes="0"]`, {
      timeout: 20_000,
    });
    const pollId = (await page.getAttribute(poll, 'data-message-id'))!;
    await eventually(async () => (await received()).some((m) => m.id === pollId));
    await gateway.call('POST', `/api/v1/sandbox/polls/${pollId}/votes`, admin, {
      voter: DEWI,
      options: ['Noodles'],
    });
    await page.waitForSelector(`${poll} .poll-option[data-option=Noodles][data-votes="1"]`, {
      timeout: 20_000,
    });
    await browser.screenshot(page, 'conversation');
  });

  it('a group chat: listed by its subject, each message names its author, and the box writes to the group', async () => {
    const group = await gateway.call<{ jid: string }>('POST', '/api/v1/sandbox/groups', admin, {
      owner: EKO,
      members: [DEWI, SESSION_PHONE],
      subject: 'Lunch club',
    });
    await gateway.call('POST', `/api/v1/sandbox/groups/${encodeURIComponent(group.jid)}/messages`, admin, {
      from: EKO,
      text: 'Who is in for lunch?',
    });
    await page.goto(`${gateway.base}/admin/sessions/${SESSION}/chats`);
    const item = chatItem(group.jid);
    await page.waitForSelector(`${item}[data-unread-count="1"]`, { timeout: 20_000 });
    expect(await page.textContent(`${item} .chat-name`)).toBe('Lunch club');
    expect(await page.textContent(`${item} [data-chat-kind]`)).toBe('group');

    await page.click(item);
    // The address names the group without ".us", so a reload finds the page.
    await page.waitForURL(
      new RegExp(`/admin/sessions/${SESSION}/chats/${group.jid.replace('@g.us', '%40g')}$`),
    );
    await page.reload();
    const theirs = bubbleWith('Who is in for lunch?');
    await page.waitForSelector(theirs);
    expect(await page.textContent(`${theirs} .bubble-author`)).toMatch(/^(Eko|\+6281277700002)$/);
    await page.fill('#conversation-composer textarea[name=text]', 'Count me in');
    await page.press('#conversation-composer textarea[name=text]', 'Enter');
    await page.waitForSelector(`${bubbleWith('Count me in')}[data-direction=outbound]`, { timeout: 20_000 });
    await eventually(async () => {
      const got = await gateway.call<{ from: string; text: string | null }[]>(
        'GET',
        `/api/v1/sandbox/groups/${encodeURIComponent(group.jid)}/messages?member=${EKO}`,
        admin,
      );
      return got.some((m) => m.from === SESSION_PHONE && m.text === 'Count me in');
    });
  });

  it('sends an attached audio as a voice note when "Send as voice note" is ticked', async () => {
    await page.goto(`${gateway.base}/admin/sessions/${SESSION}/chats/${DEWI}`);
    await page.waitForSelector(bubbleWith('Hello from Dewi'));
    await page.setInputFiles('#conversation-composer input[type=file]', {
      name: 'note.ogg',
      mimeType: 'audio/ogg',
      buffer: VOICE_NOTE,
    });
    await page.check('#conversation-composer [data-attachment="note.ogg"] input[name=ptt]');
    await page.click('#conversation-composer button[type=submit]');
    const bubble = await page.waitForSelector('.bubble-row[data-type=audio][data-direction=outbound]', {
      timeout: 20_000,
    });
    const id = (await bubble.getAttribute('data-message-id'))!;
    const got = await gateway.runtime.simulator.waitForMessage(DEWI, {
      match: (m) => m.id === id,
      sinceIndex: 0,
      timeoutMs: 20_000,
    });
    expect(got.message.audioMessage).toMatchObject({ ptt: true });
    expect(await page.$$('#conversation-composer input[name=ptt]')).toHaveLength(0);
  });

  it('contacts: Dewi is listed by her push name with her picture and about; an operator blocks and unblocks her; a viewer gets no button', async () => {
    const dewiRow = `#contact-list tr[data-contact-phone="${DEWI}"]`;
    const blocklist = () => gateway.runtime.simulator.blocklistOf(SESSION_PHONE);
    // A picture the page may load (same origin); WhatsApp's own are on its CDN.
    await gateway.call('PUT', `/api/v1/sandbox/contacts/${DEWI}/profile`, admin, {
      pictureUrl: `${gateway.base}/admin/favicon.svg`,
      about: 'At the market',
    });
    await page.goto(`${gateway.base}/admin/sessions/${SESSION}`);
    await page.click('a:text-is("Contacts")');
    await page.waitForURL(new RegExp(`/admin/sessions/${SESSION}/contacts$`));
    await page.waitForSelector(`${dewiRow} [data-blocked=false]`, { timeout: 20_000 });
    expect(await page.textContent(`${dewiRow} [data-contact-name]`)).toBe('Dewi');
    expect(await page.textContent(dewiRow)).toContain(`+${DEWI}`);
    // The filter asks the gateway.
    await page.fill('input[name=contact-search]', 'nobody-here');
    await page.waitForSelector('text=No contact matches this search.');
    await page.fill('input[name=contact-search]', 'Dew');
    await page.waitForSelector(dewiRow);

    await page.click(`${dewiRow} [data-contact-profile]`);
    const picture = await page.waitForSelector(`${dewiRow} img[data-profile-picture]`, { timeout: 20_000 });
    expect(await picture.getAttribute('src')).toBe(`${gateway.base}/admin/favicon.svg`);
    await eventually(() =>
      picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
    );
    expect(await page.textContent(`${dewiRow} [data-about]`)).toContain('About: At the market');

    await page.click(`${dewiRow} [data-contact-block=block]`);
    await page.click('.modal button:text-is("Block")');
    await page.waitForSelector(`${dewiRow} [data-blocked=true]`, { timeout: 20_000 });
    expect(blocklist()).toEqual([DEWI]);
    const listed = await gateway.call<{ blocked: { phoneNumber: string }[] }>(
      'GET',
      `/api/v1/sessions/${SESSION}/blocklist`,
      admin,
    );
    expect(listed.blocked.map((b) => b.phoneNumber)).toEqual([DEWI]);
    await page.click(`${dewiRow} [data-contact-block=unblock]`);
    await page.waitForSelector(`${dewiRow} [data-blocked=false]`, { timeout: 20_000 });
    expect(blocklist()).toEqual([]);

    await page.click(`${dewiRow} a:text-is("Message")`);
    await page.waitForURL(new RegExp(`/admin/sessions/${SESSION}/chats/${DEWI}$`));
    await page.waitForSelector(bubbleWith('Hello from Dewi'));

    const viewer = await newPage(browser);
    await loginThroughForm(viewer, gateway.base, VIEWER.email, VIEWER.password);
    await viewer.goto(`${gateway.base}/admin/sessions/${SESSION}/contacts`);
    await viewer.waitForSelector(`${dewiRow} [data-blocked=false]`, { timeout: 20_000 });
    expect(await viewer.textContent(`${dewiRow} [data-contact-name]`)).toBe('Dewi');
    expect(await viewer.$$('[data-contact-block]')).toHaveLength(0);
    await viewer.close();
  });

  it('a viewer reads the conversation with no send box and no message actions', async () => {
    const viewer = await newPage(browser);
    await loginThroughForm(viewer, gateway.base, VIEWER.email, VIEWER.password);
    // A bookmarked chat: the address names the contact by number.
    await viewer.goto(`${gateway.base}/admin/sessions/${SESSION}/chats/${DEWI}`);
    await viewer.waitForSelector(bubbleWith('Hello from Dewi'));
    await viewer.waitForSelector('[data-read-only]');
    expect(
      await viewer.$$('#conversation-composer, [data-message-actions], textarea, input[type=file]'),
    ).toHaveLength(0);
  });

  it('on a 390x844 phone: the list or the thread, never both, and nothing scrolls sideways', async () => {
    const phone = await newPage(browser, { width: 390, height: 844 });
    await loginThroughForm(phone, gateway.base, ADMIN.email, ADMIN.password);
    await phone.goto(`${gateway.base}/admin/sessions/${SESSION}/chats`);
    await phone.waitForSelector(chatItem(DEWI_JID));
    expect(await phone.isVisible('#conversation-thread')).toBe(false);
    expect(await scrollsSideways(phone)).toBe(false);
    // The search asks the gateway (part of the number here).
    await phone.fill('input[name=chat-search]', 'nobody-here');
    await phone.waitForSelector('text=No chat matches this search.');
    await phone.fill('input[name=chat-search]', DEWI.slice(-6));
    await phone.waitForSelector(chatItem(DEWI_JID));

    await phone.click(chatItem(DEWI_JID));
    await phone.waitForSelector(bubbleWith('Hello from Dewi'));
    expect(await phone.isVisible('#chat-list')).toBe(false);
    expect(await phone.isVisible('#conversation-composer textarea')).toBe(true);
    expect(await scrollsSideways(phone)).toBe(false);
    await browser.screenshot(phone, 'conversation-phone');

    await phone.click('a:text-is("‹ Chats")');
    await phone.waitForSelector(chatItem(DEWI_JID));
    expect(await scrollsSideways(phone)).toBe(false);
  });

  it('the pages logged no errors and stayed on 127.0.0.1', () => {
    expect(browser.requestsLeavingLoopback()).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
    expect(browser.dialogs).toEqual([]);
  });
});
