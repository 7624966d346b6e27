/*
 * A session's chats, latest first: name or number, kind, the last message, unread count. From
 * GET /sessions/:id/chats; a gateway without that route gets its chats derived from the latest
 * stored messages instead (unread = received since the last answer or the last time opened here).
 */
import { ApiError, get } from '../api.js';
import { alertBox, errorBox, h, replace, spinner } from '../dom.js';
import { link } from '../router.js';
import { dayOf, fullTime, shortTime, summaryOf } from './conversation-bubble.js';

const KIND_LABELS = {
  direct: null,
  group: 'group',
  status: 'status',
  newsletter: 'channel',
  broadcast: 'broadcast list',
};
const FALLBACK_WINDOW = 500;
/** Set once the gateway answered 404 for the chats route: asked once per page load, not per draw. */
let noChatsRoute = false;
/** The search typed per session, kept while the user moves between chats. */
const searches = new Map();
const PAGE = 50;

/** Where the chats opened in this browser were last read (fallback unread counts only). */
const OPENED_KEY = 'wagw.chats.opened';
const openedAt = () => {
  try {
    return JSON.parse(localStorage.getItem(OPENED_KEY) ?? '{}');
  } catch {
    return {};
  }
};
export function rememberOpened(sessionId, chatJid) {
  const all = openedAt();
  all[`${sessionId} ${chatJid}`] = Math.floor(Date.now() / 1000);
  try {
    localStorage.setItem(OPENED_KEY, JSON.stringify(all));
  } catch {
    // Storage full or refused: the fallback's unread counts just stay as they are.
  }
}

/**
 * A chat in the address bar: a contact by its digits, a group as `<id>@g`, others as their jid. The
 * gateway answers index.html only for paths without a file extension, so no `.net` or `.us` at the end.
 */
export function chatParam(chatJid) {
  if (!chatJid.includes('@')) return chatJid.replace(/\D/g, '');
  if (chatJid.endsWith('@s.whatsapp.net')) return chatJid.slice(0, -'@s.whatsapp.net'.length);
  if (chatJid.endsWith('@g.us')) return chatJid.slice(0, -'.us'.length);
  return chatJid;
}

/** The jid a chat address names (see chatParam). */
export function chatJidOf(param) {
  if (!param.includes('@')) return `${param.replace(/\D/g, '')}@s.whatsapp.net`;
  if (param.endsWith('@g')) return `${param}.us`;
  return param;
}

export const chatPath = (sessionId, chatJid) =>
  `/sessions/${encodeURIComponent(sessionId)}/chats${chatJid ? `/${encodeURIComponent(chatParam(chatJid))}` : ''}`;

/** The name a chat is shown under. */
export const chatTitle = (c) =>
  c.name || (c.phoneNumber ? `+${c.phoneNumber}` : c.groupId || c.chatJid.replace(/@.*$/, '') || c.chatJid);

/** Chats derived from the newest stored messages (a gateway without the chats route). */
async function derivedChats(sessionId) {
  const { messages } = await get(`/api/v1/sessions/${encodeURIComponent(sessionId)}/messages`, {
    limit: FALLBACK_WINDOW,
  });
  let groups = new Map();
  if (messages.some((m) => m.kind === 'group')) {
    try {
      const list = await get(`/api/v1/sessions/${encodeURIComponent(sessionId)}/groups`);
      groups = new Map(list.map((g) => [g.id, g.subject]));
    } catch {
      // Not connected: groups show by id.
    }
  }
  const opened = openedAt();
  const chats = new Map();
  for (const m of messages) {
    let c = chats.get(m.chatJid);
    if (!c) {
      const direct = m.kind === 'direct' || m.kind === 'broadcast';
      c = {
        chatJid: m.chatJid,
        kind: m.kind,
        phoneNumber: direct && m.chatJid.endsWith('@s.whatsapp.net') ? m.chatJid.split('@')[0] : null,
        groupId: m.groupId,
        chatLid: m.chatLid,
        name: m.kind === 'group' ? (groups.get(m.chatJid) ?? null) : null,
        unreadCount: 0,
        lastMessageAt: new Date(Number(m.timestamp) * 1000).toISOString(),
        lastMessage: m,
        answered: false,
      };
      chats.set(m.chatJid, c);
    }
    if (!c.name && m.kind === 'direct' && m.direction === 'inbound' && m.pushName) c.name = m.pushName;
    // Newest first: count what the contact wrote until the account's last answer.
    if (m.direction === 'outbound') c.answered = true;
    else if (
      !c.answered &&
      Number(m.timestamp) > (opened[`${sessionId} ${m.chatJid}`] ?? 0) &&
      m.type !== 'reaction'
    )
      c.unreadCount += 1;
  }
  return [...chats.values()];
}

/**
 * The chat list of a session; `selected` is the open chat's jid. Answers { el, reload }.
 */
export function createChatList({ sessionId, selected }) {
  const body = h('div', {}, spinner('Loading chats…'));
  let search = searches.get(sessionId) ?? '';
  let searchTimer = null;
  const searchBox = h('input', {
    type: 'search',
    class: 'form-control form-control-sm',
    name: 'chat-search',
    placeholder: 'Search by name or number',
    'aria-label': 'Search chats',
    value: search,
    on: {
      input: () => {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(() => {
          search = searchBox.value.trim();
          searches.set(sessionId, search);
          void reload();
        }, 300);
      },
    },
  });
  const el = h(
    'div',
    { class: 'chat-list' },
    h('form', { role: 'search', class: 'mb-2', on: { submit: (e) => e.preventDefault() } }, searchBox),
    body,
  );
  let derived = noChatsRoute;
  let chats = [];
  let nextCursor = null;

  const item = (c) => {
    const last = c.lastMessage;
    const when = new Date(c.lastMessageAt);
    const kind = KIND_LABELS[c.kind];
    const unread = Number(c.unreadCount) || 0;
    const active = c.chatJid === selected;
    return h(
      'a',
      {
        class: `list-group-item list-group-item-action chat-item ${active ? 'active' : ''}`,
        href: link(chatPath(sessionId, c.chatJid)),
        'aria-current': active ? 'page' : null,
        dataset: { chatJid: c.chatJid, unreadCount: String(unread), kind: c.kind },
      },
      h(
        'div',
        { class: 'd-flex gap-2 align-items-baseline' },
        h('span', { class: 'fw-semibold text-truncate flex-grow-1 chat-name' }, chatTitle(c)),
        h(
          'time',
          { class: 'small flex-shrink-0', datetime: when.toISOString(), title: fullTime(when) },
          dayOf(when) === dayOf(new Date()) ? shortTime(when) : dayOf(when),
        ),
      ),
      h(
        'div',
        { class: 'd-flex gap-2 align-items-center' },
        kind && h('span', { class: 'badge text-bg-info flex-shrink-0', dataset: { chatKind: c.kind } }, kind),
        h(
          'span',
          { class: 'small text-truncate flex-grow-1 chat-preview' },
          last ? `${last.direction === 'outbound' ? 'You: ' : ''}${summaryOf(last)}` : '',
        ),
        unread > 0 &&
          h(
            'span',
            {
              class: 'badge rounded-pill text-bg-success flex-shrink-0',
              dataset: { unread: String(unread) },
              title: `${unread} unread`,
            },
            String(unread),
          ),
      ),
    );
  };

  const draw = () => {
    replace(
      body,
      derived &&
        h(
          'p',
          { class: 'small text-secondary', dataset: { chatsDerived: '' } },
          `Chats of the latest ${FALLBACK_WINDOW} messages (this gateway has no chat list route).`,
        ),
      chats.length === 0
        ? alertBox(
            'info',
            search
              ? 'No chat matches this search.'
              : 'No chats yet: messages this session sends or receives appear here.',
          )
        : h('div', { class: 'list-group', id: 'chat-list' }, chats.map(item)),
      nextCursor &&
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-outline-secondary btn-sm mt-2',
            on: { click: (e) => more(e.currentTarget) },
          },
          'More chats',
        ),
    );
  };

  let loads = 0;
  async function reload() {
    const load = ++loads;
    try {
      if (!derived) {
        try {
          const data = await get(`/api/v1/sessions/${encodeURIComponent(sessionId)}/chats`, {
            limit: PAGE,
            search,
          });
          chats = data.chats;
          nextCursor = data.pagination?.nextCursor ?? null;
        } catch (error) {
          if (!(error instanceof ApiError) || error.status !== 404) throw error;
          derived = noChatsRoute = true;
        }
      }
      if (load !== loads) return;
      if (derived) {
        const needle = search.toLowerCase();
        chats = (await derivedChats(sessionId)).filter(
          (c) => !needle || `${c.chatJid} ${c.name ?? ''}`.toLowerCase().includes(needle),
        );
      }
      if (load === loads) draw();
    } catch (error) {
      if (load === loads) replace(body, errorBox(error));
    }
  }

  async function more(button) {
    button.disabled = true;
    try {
      const data = await get(`/api/v1/sessions/${encodeURIComponent(sessionId)}/chats`, {
        limit: PAGE,
        search,
        cursor: nextCursor,
      });
      chats = [...chats, ...data.chats];
      nextCursor = data.pagination?.nextCursor ?? null;
      draw();
    } catch (error) {
      button.disabled = false;
      replace(body, errorBox(error));
    }
  }

  return {
    el,
    reload,
    close: () => clearTimeout(searchTimer),
    /** The chat with this jid as listed, or undefined. */
    find: (chatJid) => chats.find((c) => c.chatJid === chatJid),
    isDerived: () => derived,
  };
}
