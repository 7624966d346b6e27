/* Stored messages of a session: filters, pages (newest first), media previews fetched with the login. */
import { get } from '../api.js';
import {
  alertBox,
  append,
  errorBox,
  field,
  foldingFilters,
  h,
  pageHeader,
  replace,
  select,
  spinner,
  throttle,
} from '../dom.js';
import * as live from '../live.js';
import { link } from '../router.js';
import { chatPath } from './conversation-list.js';
import { groupNamesOf, messageTable } from './message-table.js';

const TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contact',
  'reaction',
  'poll',
  'unknown',
];
const PAGE_SIZES = ['20', '50', '100', '200'];
// A phone shows a page that fits a few screens; wider screens the usual 50.
const defaultPageSize = () => (window.matchMedia('(max-width: 767.98px)').matches ? '20' : '50');
const KINDS = [
  ['', 'any'],
  ['direct', 'direct'],
  ['group', 'group'],
  ['status', 'status'],
  ['newsletter', 'channel'],
  ['broadcast', 'broadcast list'],
];

/** datetime-local value <-> ISO instant (the input speaks the browser's local time). */
const toLocalInput = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value) => (value ? new Date(value).toISOString() : '');

export async function render(root, { params, query, navigate, onCleanup }) {
  const sessions = await get('/api/v1/sessions');
  const sessionId = params.id ?? query.get('session') ?? sessions[0]?.id;
  append(
    root,
    pageHeader(
      'Messages',
      sessionId &&
        h(
          'a',
          {
            class: 'btn btn-outline-primary btn-sm',
            href: link(chatPath(sessionId, query.get('chat'))),
          },
          'Conversations',
        ),
      sessionId &&
        h(
          'a',
          {
            class: 'btn btn-outline-secondary btn-sm',
            href: link(`/sessions/${encodeURIComponent(sessionId)}`),
          },
          'Session',
        ),
    ),
  );
  if (!sessionId) return append(root, alertBox('info', 'There are no sessions yet.'));

  const filters = {
    session: select(
      { name: 'session' },
      sessions.map((s) => [s.id, `${s.name} (${s.id})`]),
      sessionId,
    ),
    search: h('input', {
      type: 'search',
      name: 'search',
      value: query.get('search') ?? '',
      maxlength: 200,
    }),
    chat: h('input', {
      name: 'chat',
      value: query.get('chat') ?? '',
      placeholder: '6281234567890',
      inputmode: 'tel',
    }),
    kind: select({ name: 'kind' }, KINDS, query.get('kind')),
    direction: select(
      { name: 'direction' },
      [
        ['', 'both'],
        ['inbound', 'inbound'],
        ['outbound', 'outbound'],
      ],
      query.get('direction'),
    ),
    type: select({ name: 'type' }, [['', 'any'], ...TYPES.map((t) => [t, t])], query.get('type')),
    from: h('input', { type: 'datetime-local', name: 'from', value: toLocalInput(query.get('from')) }),
    to: h('input', { type: 'datetime-local', name: 'to', value: toLocalInput(query.get('to')) }),
    limit: select(
      { name: 'limit' },
      PAGE_SIZES.map((n) => [n, n]),
      query.get('limit') ?? defaultPageSize(),
    ),
  };
  const form = h(
    'form',
    {
      id: 'message-filters',
      class: 'card card-body mb-3',
      on: {
        submit: (event) => {
          event.preventDefault();
          const q = new URLSearchParams();
          for (const key of ['search', 'chat', 'kind', 'direction', 'type', 'limit'])
            if (filters[key].value) q.set(key, filters[key].value.trim());
          for (const key of ['from', 'to'])
            if (filters[key].value) q.set(key, fromLocalInput(filters[key].value));
          navigate(
            `/sessions/${encodeURIComponent(filters.session.value)}/messages${q.size ? `?${q}` : ''}`,
            { state: { focus: false } },
          );
        },
      },
    },
    h(
      'div',
      { class: 'row g-2 align-items-end' },
      h('div', { class: 'col-sm-6 col-lg-3' }, field('Session', filters.session)),
      h('div', { class: 'col-sm-6 col-lg-3' }, field('Search text', filters.search)),
      h('div', { class: 'col-sm-6 col-lg-3' }, field('Chat (phone or jid)', filters.chat)),
      h('div', { class: 'col-6 col-lg-2' }, field('Chat kind', filters.kind)),
      h('div', { class: 'col-6 col-lg-2' }, field('Direction', filters.direction)),
      h('div', { class: 'col-6 col-lg-2' }, field('Type', filters.type)),
      h('div', { class: 'col-6 col-lg-2' }, field('Per page', filters.limit)),
      h('div', { class: 'col-sm-6 col-lg-3' }, field('From', filters.from)),
      h('div', { class: 'col-sm-6 col-lg-3' }, field('To', filters.to)),
      h(
        'div',
        { class: 'col-lg-3 mb-3 d-flex flex-wrap gap-2' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply filters'),
        // Back to this session's newest messages: every filter cleared, the URL without a query.
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-outline-secondary',
            on: {
              click: () =>
                navigate(`/sessions/${encodeURIComponent(sessionId)}/messages`, { state: { focus: false } }),
            },
          },
          'Reset filters',
        ),
      ),
    ),
  );
  const results = h('div', {}, spinner());
  const newer = h('div');
  const inUse = () =>
    ['search', 'chat', 'kind', 'direction', 'type', 'from', 'to'].filter((k) => query.get(k)).length;
  append(root, foldingFilters(form, { active: inUse }), newer, results);

  const urls = [];
  onCleanup(() => urls.forEach((u) => URL.revokeObjectURL(u)));
  const cursors = [undefined];
  let pageIndex = 0;
  let groupNames = null;
  const load = async () => {
    replace(newer);
    try {
      const { messages, pagination } = await get(
        `/api/v1/sessions/${encodeURIComponent(sessionId)}/messages`,
        {
          search: query.get('search'),
          chat: query.get('chat'),
          kind: query.get('kind'),
          direction: query.get('direction'),
          type: query.get('type'),
          from: query.get('from'),
          to: query.get('to'),
          limit: query.get('limit') ?? defaultPageSize(),
          cursor: cursors[pageIndex],
        },
      );
      cursors[pageIndex + 1] = pagination.nextCursor ?? undefined;
      // Asked once, and only when a group message is on the page.
      if (!groupNames && messages.some((m) => m.kind === 'group')) groupNames = await groupNamesOf(sessionId);
      const table = messageTable(messages, { groupNames: groupNames ?? new Map(), urls });
      const pageButton = (label, target, disabled) =>
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-outline-secondary btn-sm',
            disabled,
            on: { click: () => ((pageIndex = target), void load()) },
          },
          label,
        );
      replace(
        results,
        messages.length === 0 ? alertBox('info', 'No messages match these filters.') : table,
        h(
          'nav',
          { class: 'd-flex gap-2 align-items-center', 'aria-label': 'Message pages' },
          pageButton('Newest', 0, pageIndex === 0),
          pageButton('Newer', pageIndex - 1, pageIndex === 0),
          pageButton('Older', pageIndex + 1, !pagination.nextCursor),
          h('span', { class: 'small text-secondary' }, `Page ${pageIndex + 1}`),
        ),
      );
    } catch (error) {
      replace(results, errorBox(error));
    }
  };
  // New messages: refresh the newest page by itself; on older pages, offer to go back to it.
  const refresh = throttle(() => void load(), 2000);
  onCleanup(
    live.on('message.stored', (event) => {
      if (event.sessionId !== sessionId) return;
      if (pageIndex === 0) refresh();
      else
        replace(
          newer,
          alertBox(
            'info',
            'New messages arrived. ',
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-link p-0 align-baseline',
                on: { click: () => ((pageIndex = 0), void load()) },
              },
              'Show the newest',
            ),
          ),
        );
    }),
  );
  await load();
}
