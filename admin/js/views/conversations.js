/*
 * Conversations of a session (/sessions/:id/chats and /sessions/:id/chats/:jid): the chat list beside
 * the open chat's thread and send box; on a phone, the list or the thread. Everything stays current
 * over /ws. Viewers read; operators and admins also send, reply, edit, delete, and send polls.
 */
import { get, post } from '../api.js';
import { alertBox, badge, h, pageHeader, replace, setBadge, throttle } from '../dom.js';
import * as live from '../live.js';
import { canOperate } from '../roles.js';
import { link } from '../router.js';
import { createComposer } from './conversation-composer.js';
import { chatJidOf, chatPath, chatTitle, createChatList, rememberOpened } from './conversation-list.js';
import { createThread } from './conversation-thread.js';

const SENDABLE = new Set(['direct', 'group', 'broadcast']);
const PRESENCE_WORDS = {
  composing: 'typing…',
  recording: 'recording audio…',
  available: 'online',
  paused: 'online',
};

/** A chat's kind from its jid, for a chat the list does not show (yet). */
function kindOfJid(jid) {
  if (jid === 'status@broadcast') return 'status';
  if (jid.endsWith('@g.us')) return 'group';
  if (jid.endsWith('@newsletter')) return 'newsletter';
  return 'direct';
}

export async function render(root, { params, user, onCleanup }) {
  const sessionId = params.id;
  const chatJid = params.jid ? chatJidOf(params.jid) : null;
  const session = await get(`/api/v1/sessions/${encodeURIComponent(sessionId)}`);
  const operator = canOperate(user);
  const sessionBadge = badge(session.status, { dataset: { sessionStatus: sessionId } });
  let connected = session.status === 'connected';
  const connectionNote = h('div');
  let showConnection = () => undefined;

  const list = createChatList({ sessionId, selected: chatJid });
  onCleanup(() => list.close());
  const listCol = h('div', { class: `col-md-5 col-lg-4 ${chatJid ? 'd-none d-md-block' : ''}` }, list.el);
  const threadCol = h('div', { class: `col-md-7 col-lg-8 ${chatJid ? '' : 'd-none d-md-block'}` });
  replace(
    root,
    pageHeader(
      'Conversations',
      h(
        'a',
        {
          class: 'btn btn-outline-secondary btn-sm',
          href: link(
            `/sessions/${encodeURIComponent(sessionId)}/messages${chatJid ? `?chat=${encodeURIComponent(chatJid)}` : ''}`,
          ),
        },
        'Message log',
      ),
      h(
        'a',
        {
          class: 'btn btn-outline-secondary btn-sm',
          href: link(`/sessions/${encodeURIComponent(sessionId)}`),
        },
        'Session',
      ),
    ),
    h(
      'p',
      { class: 'text-secondary small d-flex flex-wrap gap-2 align-items-center' },
      h('span', {}, session.name),
      sessionBadge,
    ),
    h('div', { class: 'row g-3 conversations' }, listCol, threadCol),
  );

  const refreshList = throttle(() => void list.reload(), 1000);
  onCleanup(live.on('resync', () => refreshList()));
  onCleanup(
    live.on('session.status', (e) => {
      if (e.sessionId !== sessionId) return;
      setBadge(sessionBadge, e.status);
      connected = e.status === 'connected';
      showConnection();
    }),
  );

  if (!chatJid) {
    replace(threadCol, h('div', { class: 'conversation-empty text-secondary' }, 'Choose a chat to read it.'));
    onCleanup(live.on('message.stored', (e) => e.sessionId === sessionId && refreshList()));
    for (const event of ['message.status', 'message.edited', 'message.revoked'])
      onCleanup(live.on(event, (e) => e.sessionId === sessionId && refreshList()));
    return list.reload();
  }

  await list.reload();
  const listed = list.find(chatJid);
  const chat = { chatJid, kind: listed?.kind ?? kindOfJid(chatJid) };
  const title = listed
    ? chatTitle(listed)
    : chatTitle({ chatJid, phoneNumber: null, groupId: null, name: null });
  const presenceLine = h('div', {
    class: 'small text-secondary',
    'aria-live': 'polite',
    dataset: { presence: '' },
  });

  let composer = null;
  const thread = createThread({
    sessionId,
    chat,
    canAct: operator && SENDABLE.has(chat.kind),
    onReply: (m) => composer?.replyTo(m),
  });
  onCleanup(() => thread.close());

  const markRead = async () => {
    rememberOpened(sessionId, chatJid);
    if (operator && connected && thread.lastInbound()) {
      try {
        await post(`/api/v1/sessions/${encodeURIComponent(sessionId)}/chats/read`, { chat: chatJid });
      } catch {
        // Receipts are a courtesy: a chat that could not be marked read stays readable.
      }
    }
    refreshList();
  };
  const markReadSoon = throttle(() => void markRead(), 2000);

  if (operator && SENDABLE.has(chat.kind)) {
    composer = createComposer({ sessionId, chat, onSent: () => void thread.reload({ bottom: true }) });
    onCleanup(() => composer.close());
  }
  replace(
    threadCol,
    h(
      'section',
      {
        class: 'card conversation',
        'aria-label': `Conversation with ${title}`,
        dataset: { conversation: chatJid },
      },
      h(
        'div',
        { class: 'card-header d-flex gap-2 align-items-center' },
        h(
          'a',
          { class: 'btn btn-sm btn-outline-secondary d-md-none', href: link(chatPath(sessionId)) },
          '‹ Chats',
        ),
        h(
          'div',
          { class: 'flex-grow-1 min-w-0' },
          h('h2', { class: 'h6 mb-0 text-truncate', id: 'conversation-title' }, title),
          listed?.name &&
            listed.phoneNumber &&
            h('div', { class: 'small text-secondary' }, `+${listed.phoneNumber}`),
          presenceLine,
        ),
        chat.kind !== 'direct' &&
          h('span', { class: 'badge text-bg-info' }, chat.kind === 'newsletter' ? 'channel' : chat.kind),
      ),
      thread.el,
      h(
        'div',
        { class: 'card-footer' },
        connectionNote,
        composer
          ? composer.el
          : h(
              'p',
              { class: 'small text-secondary mb-0', dataset: { readOnly: '' } },
              operator
                ? 'Messages cannot be sent to this kind of chat.'
                : 'Read only: your role reads conversations.',
            ),
      ),
    ),
  );

  const refreshThread = throttle(() => void thread.reload(), 700);
  onCleanup(
    live.on('message.stored', (e) => {
      if (e.sessionId !== sessionId) return;
      refreshList();
      if (e.chatJid !== chatJid) return;
      refreshThread();
      if (e.direction === 'inbound' && document.visibilityState === 'visible') markReadSoon();
    }),
  );
  onCleanup(
    live.on('message.status', (e) => {
      if (e.sessionId !== sessionId) return;
      refreshList();
      if (e.chatJid === chatJid) refreshThread();
    }),
  );
  for (const event of ['message.edited', 'message.revoked', 'message.media'])
    onCleanup(
      live.on(event, (e) => {
        if (e.sessionId !== sessionId) return;
        refreshList();
        if (e.chatJid === chatJid) void thread.refreshMessage(e.waMessageId);
      }),
    );
  onCleanup(
    live.on(
      'poll.vote',
      (e) => e.sessionId === sessionId && e.chatJid === chatJid && thread.refreshPoll(e.pollMessageId),
    ),
  );
  let presenceTimer = null;
  onCleanup(() => clearTimeout(presenceTimer));
  onCleanup(
    live.on('presence.update', (e) => {
      if (e.sessionId !== sessionId || e.chatJid !== chatJid) return;
      const who = chat.kind === 'group' && e.phoneNumber ? `+${e.phoneNumber} ` : '';
      const word = PRESENCE_WORDS[e.presence] ?? '';
      presenceLine.textContent = word ? `${who}${word}` : '';
      // Typing that is never followed by "paused" (a closed app) fades after a while.
      clearTimeout(presenceTimer);
      if (e.presence === 'composing' || e.presence === 'recording')
        presenceTimer = setTimeout(() => (presenceLine.textContent = ''), 25_000);
    }),
  );
  onCleanup(live.on('resync', () => void thread.reload()));

  showConnection = () =>
    replace(
      connectionNote,
      composer &&
        !connected &&
        alertBox('warning', 'The session is not connected: messages cannot be sent until it is.'),
    );
  showConnection();
  await thread.reload();
  await markRead();
  if (operator && connected && chat.kind === 'direct')
    post(`/api/v1/sessions/${encodeURIComponent(sessionId)}/presence/subscribe`, { to: chatJid }).catch(
      () => undefined,
    );
}
