/*
 * A session's contacts (/sessions/:id/contacts): names, number and LID from the stored list; on a
 * click the profile picture and about text (asked of WhatsApp live); whether each one is blocked,
 * and for operators Block / Unblock. Viewers read the same page without the buttons.
 */
import { get, post } from '../api.js';
import {
  alertBox,
  badge,
  busy,
  confirmAction,
  errorBox,
  h,
  pageHeader,
  replace,
  setBadge,
  spinner,
  table,
} from '../dom.js';
import * as live from '../live.js';
import { canOperate } from '../roles.js';
import { link } from '../router.js';
import { chatPath } from './conversation-list.js';
import { contactPath, profileBox, sessionPath, titleOf } from './session-contact-profile.js';

const PAGE = 100;
const SEARCH_DELAY_MS = 300;

export async function render(root, { params, user, onCleanup }) {
  const sessionId = params.id;
  const operator = canOperate(user);
  const session = await get(sessionPath(sessionId));
  const state = {
    contacts: [],
    nextCursor: null,
    search: '',
    /** Phone numbers and LIDs on the account's block list; null when it cannot be read (not connected). */
    blocked: null,
    blockProblem: null,
    /** Profile boxes already opened, kept when the table is drawn again. */
    opened: new Map(),
  };
  let loads = 0;

  const note = h('div');
  const listBox = h('div', { id: 'contact-list' }, spinner('Loading contacts…'));
  const more = h('button', { type: 'button', class: 'btn btn-outline-secondary btn-sm d-none' }, 'Show more');
  const search = h('input', {
    type: 'search',
    name: 'contact-search',
    class: 'form-control',
    maxlength: '100',
    placeholder: 'e.g. Ann or 0812',
    'aria-label': 'Filter contacts by name or number',
    autocomplete: 'off',
  });

  const isBlocked = (c) =>
    state.blocked === null ? null : state.blocked.has(c.phoneNumber) || state.blocked.has(c.lid);

  const blockCell = (c) => {
    const blocked = isBlocked(c);
    if (blocked === null) return '—';
    const cell = h('div', { class: 'd-flex align-items-center gap-2' });
    const draw = (now) => {
      const b = h(
        'span',
        {
          class: `badge ${now ? 'text-bg-danger' : 'text-bg-light border'}`,
          dataset: { blocked: String(now) },
        },
        now ? 'blocked' : 'not blocked',
      );
      if (!operator || !c.phoneNumber) return replace(cell, b);
      const button = h(
        'button',
        {
          type: 'button',
          class: `btn btn-sm ${now ? 'btn-outline-secondary' : 'btn-outline-danger'}`,
          dataset: { contactBlock: now ? 'unblock' : 'block' },
        },
        now ? 'Unblock' : 'Block',
      );
      button.addEventListener('click', async () => {
        if (
          !now &&
          !(await confirmAction(
            `Block ${titleOf(c)}?`,
            'They can no longer message or call this account until it unblocks them.',
            'Block',
          ))
        )
          return;
        await busy(button, async () => {
          const answer = await post(contactPath(sessionId, c.phoneNumber, now ? '/unblock' : '/block'));
          if (answer.blocked) state.blocked.add(c.phoneNumber);
          else [c.phoneNumber, c.lid].forEach((key) => state.blocked.delete(key));
          draw(answer.blocked);
        });
      });
      replace(cell, b, button);
    };
    draw(blocked);
    return cell;
  };

  const actionsCell = (c) => {
    const jid = c.jid ?? `${c.phoneNumber}@s.whatsapp.net`;
    const message = h(
      'a',
      { class: 'btn btn-outline-primary btn-sm', href: link(chatPath(sessionId, jid)) },
      'Message',
    );
    if (!c.phoneNumber) return message;
    const opened = state.opened.get(c.phoneNumber);
    if (opened) return h('div', {}, message, opened);
    const profile = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-outline-secondary btn-sm',
        dataset: { contactProfile: c.phoneNumber },
      },
      'Picture and about',
    );
    profile.addEventListener('click', () => {
      const box = profileBox(sessionId, c);
      state.opened.set(c.phoneNumber, box);
      profile.replaceWith(box);
    });
    return h('div', { class: 'd-flex flex-wrap align-items-start gap-2' }, message, profile);
  };

  const drawList = () => {
    more.classList.toggle('d-none', !state.nextCursor);
    replace(
      listBox,
      table(
        [
          ['Name', (c) => h('span', { class: 'fw-semibold', dataset: { contactName: '' } }, titleOf(c))],
          ['Push name', (c) => c.pushName ?? '—'],
          ['Saved name', (c) => c.savedName ?? '—'],
          ['Phone number', (c) => (c.phoneNumber ? `+${c.phoneNumber}` : '—')],
          ['LID', (c) => h('span', { class: 'font-monospace small' }, c.lid ?? '—')],
          ['Blocked', blockCell],
          ['', actionsCell],
        ],
        state.contacts,
        {
          caption: `Contacts of ${session.name}`,
          empty: state.search
            ? 'No contact matches this search.'
            : 'This session knows no contacts yet: they appear as people write to it, or when the phone shares its address book.',
          rowProps: (c) => ({ dataset: { contactPhone: c.phoneNumber ?? '', contactLid: c.lid ?? '' } }),
        },
      ),
    );
  };

  /** The first page for the current search (or the next page), and the block list with the first. */
  const load = async ({ next = false } = {}) => {
    const count = ++loads;
    try {
      const [page, blocklist] = await Promise.all([
        get(sessionPath(sessionId, '/contacts'), {
          limit: PAGE,
          search: state.search || undefined,
          cursor: next ? state.nextCursor : undefined,
        }),
        next ? null : get(sessionPath(sessionId, '/blocklist')).catch((error) => ({ error })),
      ]);
      if (count !== loads) return;
      if (blocklist) {
        state.blocked = blocklist.error
          ? null
          : new Set(blocklist.blocked.flatMap((b) => [b.phoneNumber, b.lid]).filter(Boolean));
        state.blockProblem = blocklist.error ?? null;
      }
      state.contacts = next ? [...state.contacts, ...page.contacts] : page.contacts;
      state.nextCursor = page.pagination?.nextCursor ?? null;
      replace(
        note,
        state.blockProblem &&
          alertBox(
            'info',
            state.blockProblem.code === 'SESSION_NOT_CONNECTED'
              ? 'The session is not connected: pictures, about texts and the block list are asked of WhatsApp, so they show once it is.'
              : `The block list could not be read: ${state.blockProblem.message}`,
          ),
      );
      drawList();
    } catch (error) {
      if (count === loads) replace(listBox, errorBox(error));
    }
  };

  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.search = search.value.trim();
      void load();
    }, SEARCH_DELAY_MS);
  });
  onCleanup(() => clearTimeout(timer));
  more.addEventListener('click', () => busy(more, () => load({ next: true })));
  const sessionBadge = badge(session.status);
  let connected = session.status === 'connected';
  onCleanup(
    live.on('session.status', (event) => {
      if (event.sessionId !== sessionId) return;
      setBadge(sessionBadge, event.status);
      // What WhatsApp answers live (the block list) comes or goes with the connection.
      if ((event.status === 'connected') !== connected) void load();
      connected = event.status === 'connected';
    }),
  );
  onCleanup(live.on('resync', () => void load()));

  replace(
    root,
    pageHeader(
      'Contacts',
      h('a', { class: 'btn btn-outline-primary btn-sm', href: link(chatPath(sessionId)) }, 'Conversations'),
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
    h('div', { class: 'mb-3', style: { maxWidth: '24rem' } }, search),
    note,
    listBox,
    more,
  );
  await load();
}
