/*
 * The messages of one chat, oldest at the top: newest page first, older pages on demand (keyset
 * cursor), kept current by /ws pushes. Reactions are drawn on the message they react to; bubbles are
 * kept between draws while nothing about them changed (media is not fetched again).
 */
import { get } from '../api.js';
import { append, errorBox, h, replace, spinner, toast } from '../dom.js';
import { messageActions, reactionsByTarget } from './conversation-actions.js';
import { bubble, dayOf, messageDate, summaryOf } from './conversation-bubble.js';

const PAGE = 50;
const keyOf = (m) => `${m.direction}:${m.messageId}`;

/**
 * Creates the thread for `chat` ({ chatJid, kind }). `canAct` shows the per-message actions;
 * `onReply(message)` is called by "Reply". Answers { el, reload, refreshMessage, refreshPoll, close }.
 */
export function createThread({ sessionId, chat, canAct, onReply }) {
  const base = `/api/v1/sessions/${encodeURIComponent(sessionId)}/messages`;
  const messages = new Map();
  /** Messages quoted by replies but not loaded (an older page): read one by one; null while asked. */
  const quotes = new Map();
  const drawn = new Map();
  const polls = new Map();
  const urls = [];
  let olderCursor;
  let loadedOnce = false;

  const list = h('div', {
    class: 'thread-messages',
    role: 'log',
    'aria-label': 'Messages',
    'aria-live': 'polite',
  });
  const olderBox = h('div', { class: 'text-center my-2' });
  const scroller = h(
    'div',
    { class: 'conversation-thread', id: 'conversation-thread', tabindex: '0' },
    olderBox,
    list,
  );
  const status = h('div');

  const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  // Pictures and poll results arrive after their bubble: a reader at the bottom stays there.
  // A scroll to where the thread itself put it is not the reader's: only theirs decides.
  let stuck = true;
  let placedAt = -1;
  const toBottom = () => {
    scroller.scrollTop = scroller.scrollHeight;
    placedAt = scroller.scrollTop;
  };
  scroller.addEventListener(
    'scroll',
    () => {
      if (Math.abs(scroller.scrollTop - placedAt) > 2) stuck = atBottom();
    },
    { passive: true },
  );
  const grown = new window.ResizeObserver(() => stuck && toBottom());
  grown.observe(list);

  const sorted = () => [...messages.values()].sort((a, b) => a.id - b.id);
  const actionsFor = canAct
    ? messageActions({
        sessionId,
        chat,
        messages: sorted,
        reload: () => reload(),
        refreshMessage: (id) => refreshMessage(id),
        onReply,
      })
    : () => null;

  function draw() {
    const stick = !loadedOnce || stuck;
    const all = sorted();
    const reactions = reactionsByTarget(all);
    const byId = new Map(all.map((m) => [m.messageId, m]));
    const rows = [];
    let day = null;
    for (const m of all) {
      // A reaction shows on its message; only one whose message is not loaded stands alone.
      if (m.type === 'reaction' && byId.has(m.quotedId)) continue;
      const date = messageDate(m);
      if (dayOf(date) !== day) {
        day = dayOf(date);
        rows.push(h('div', { class: 'thread-day small text-secondary' }, day));
      }
      const quoted = m.quotedId ? (byId.get(m.quotedId) ?? quotes.get(m.quotedId) ?? null) : null;
      if (m.quotedId && m.type !== 'reaction' && !quoted && !quotes.has(m.quotedId))
        void fetchQuote(m.quotedId);
      const mine = reactions.get(m.messageId) ?? [];
      const signature = JSON.stringify([
        m.status,
        m.message,
        m.edited,
        m.revoked,
        m.mediaUrl,
        m.mediaState,
        mine,
        quoted && summaryOf(quoted),
      ]);
      let entry = drawn.get(keyOf(m));
      if (!entry || entry.signature !== signature) {
        entry = {
          signature,
          el: bubble(m, {
            sessionId,
            quoted,
            reactions: mine,
            actions: actionsFor(m),
            showAuthor: chat.kind === 'group',
            urls,
            polls,
          }),
        };
        drawn.set(keyOf(m), entry);
      }
      rows.push(entry.el);
    }
    replace(
      list,
      rows.length
        ? rows
        : h('p', { class: 'text-secondary text-center my-4' }, 'No messages in this chat yet.'),
    );
    replace(
      olderBox,
      olderCursor &&
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-outline-secondary btn-sm',
            id: 'older-messages',
            on: { click: (e) => loadOlder(e.currentTarget) },
          },
          'Older messages',
        ),
    );
    if (stick) {
      toBottom();
      stuck = true;
    }
  }

  async function fetchQuote(messageId) {
    quotes.set(messageId, null);
    try {
      quotes.set(messageId, await get(`${base}/${encodeURIComponent(messageId)}`));
      draw();
    } catch {
      // Not stored (sent before the session was linked): the reply says so.
    }
  }

  const take = (page) => page.forEach((m) => messages.set(keyOf(m), m));

  /** The newest page again (new messages, statuses, edits); older pages stay as loaded. */
  /** `bottom`: after the account sent something, show the end of the thread whatever was read. */
  async function reload({ bottom = false } = {}) {
    if (bottom) stuck = true;
    try {
      const { messages: page, pagination } = await get(base, { chat: chat.chatJid, limit: PAGE });
      if (!loadedOnce) olderCursor = pagination.nextCursor ?? undefined;
      take(page);
      replace(status);
      draw();
      loadedOnce = true;
    } catch (error) {
      replace(status, errorBox(error));
    }
  }

  async function loadOlder(button) {
    button.disabled = true;
    const before = scroller.scrollHeight - scroller.scrollTop;
    try {
      const { messages: page, pagination } = await get(base, {
        chat: chat.chatJid,
        limit: PAGE,
        cursor: olderCursor,
      });
      olderCursor = pagination.nextCursor ?? undefined;
      take(page);
      draw();
      scroller.scrollTop = scroller.scrollHeight - before;
    } catch (error) {
      button.disabled = false;
      toast(error.message, 'danger');
    }
  }

  /** One message read again (after an edit or delete, or a push about a message further up). */
  async function refreshMessage(messageId) {
    const known = [...messages.values()].some((m) => m.messageId === messageId);
    if (!known) return reload();
    try {
      const fresh = await get(`${base}/${encodeURIComponent(messageId)}`);
      delete fresh.edits;
      messages.set(keyOf(fresh), fresh);
      draw();
    } catch {
      await reload();
    }
  }

  const el = h('div', { class: 'd-flex flex-column' }, status, scroller);
  append(list, spinner());
  return {
    el,
    reload,
    refreshMessage,
    refreshPoll: (messageId) => polls.get(messageId)?.refresh(),
    has: (messageId) => [...messages.values()].some((m) => m.messageId === messageId),
    /** The last message a contact wrote here (to mark read), or null. */
    lastInbound: () =>
      sorted()
        .filter((m) => m.direction === 'inbound')
        .pop() ?? null,
    close: () => {
      grown.disconnect();
      urls.forEach((u) => URL.revokeObjectURL(u));
    },
  };
}
