/* The message log's table: a row per message (a compact card on phones), media fetched with the login. */
import { fetchBlob, get } from '../api.js';
import { badge, formatDate, h } from '../dom.js';
import { fullTime, messageDate } from './conversation-bubble.js';

/** The chat a message belongs to: its kind, and for a group its name when the groups list has it. */
function chatCell(m, groupNames) {
  if (m.kind === 'group') {
    const name = groupNames.get(m.groupId);
    return [
      h('span', { class: 'badge text-bg-info' }, 'group'),
      ' ',
      name ?? m.groupId,
      ...(name ? [h('br'), h('span', { class: 'text-secondary' }, m.groupId)] : []),
    ];
  }
  if (m.kind && m.kind !== 'direct')
    return h('span', { class: 'badge text-bg-secondary' }, m.kind === 'newsletter' ? 'channel' : m.kind);
  return h('span', { class: 'text-secondary' }, 'direct');
}

/** Group names for the chat column; none when the session is not connected (the ids show instead). */
export async function groupNamesOf(sessionId) {
  try {
    const groups = await get(`/api/v1/sessions/${encodeURIComponent(sessionId)}/groups`);
    return new Map(groups.map((g) => [g.id, g.subject]));
  } catch {
    return new Map();
  }
}

function mediaCell(message, urls) {
  if (!message.mediaUrl) return message.fileName ?? '';
  const box = h('div', { class: 'd-flex flex-column gap-1 align-items-start' });
  const show = async (button) => {
    button.disabled = true;
    try {
      const { blob } = await fetchBlob(message.mediaUrl);
      const src = URL.createObjectURL(blob);
      urls.push(src);
      const type = message.type;
      const alt = message.fileName ?? `${type} from ${message.from}`;
      const preview =
        type === 'image' || type === 'sticker'
          ? h('img', { src, alt, class: 'media-preview rounded border' })
          : type === 'video'
            ? h('video', { src, controls: true, class: 'media-preview', 'aria-label': alt })
            : type === 'audio'
              ? h('audio', { src, controls: true, 'aria-label': alt })
              : h(
                  'a',
                  {
                    href: src,
                    download: message.fileName ?? 'file',
                    class: 'btn btn-sm btn-outline-secondary',
                  },
                  `Save ${message.fileName ?? 'file'}`,
                );
      button.replaceWith(preview);
    } catch (error) {
      button.replaceWith(h('span', { class: 'small text-danger' }, error.message));
    }
  };
  const button = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-sm btn-outline-secondary',
      on: { click: (e) => show(e.currentTarget) },
    },
    `Show ${message.type}`,
  );
  box.append(button);
  if (message.fileName) box.append(h('span', { class: 'small text-secondary text-break' }, message.fileName));
  // Pictures preview by themselves; video, audio and documents wait for a click (they can be large).
  if (message.type === 'image' || message.type === 'sticker') queueMicrotask(() => show(button));
  return box;
}

function timeOf(message) {
  const date = messageDate(message);
  return h('time', { datetime: date.toISOString(), title: fullTime(date) }, formatDate(date));
}

/** A page of messages as a table; `groupNames` names the groups, `urls` keeps the media's blob URLs. */
export function messageTable(messages, { groupNames, urls }) {
  return h(
    'div',
    { class: 'table-responsive' },
    h(
      'table',
      { class: 'table table-sm align-middle', id: 'messages-table' },
      h('caption', { class: 'visually-hidden' }, 'Messages, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Time', 'Direction', 'Chat', 'From', 'To', 'Type', 'Text', 'Media', 'Status'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        messages.map((m) =>
          h(
            'tr',
            { dataset: { messageId: m.messageId } },
            // On a phone: time, direction, type and status on one line, then who, the text, the media.
            // To the minute; the title has the full date with seconds, as in a conversation's bubbles.
            h('td', { class: 'text-nowrap small card-inline' }, timeOf(m)),
            h(
              'td',
              { class: 'card-inline' },
              h(
                'span',
                { class: `badge ${m.direction === 'inbound' ? 'text-bg-primary' : 'text-bg-success'}` },
                m.direction === 'inbound' ? 'in' : 'out',
              ),
            ),
            h(
              'td',
              { class: `small${m.kind && m.kind !== 'direct' ? '' : ' card-hide'}` },
              chatCell(m, groupNames),
            ),
            // A phone's card names the other side only: the session's own number goes without saying.
            h(
              'td',
              { class: `small${m.direction === 'outbound' ? ' card-hide' : ''}` },
              h(
                'div',
                {},
                m.pushName ? [m.pushName, h('br'), h('span', { class: 'text-secondary' }, m.from)] : m.from,
              ),
            ),
            h('td', { class: `small${m.direction === 'inbound' ? ' card-hide' : ''}` }, m.to),
            h('td', { class: 'small card-inline' }, m.type),
            h(
              'td',
              { class: m.message ? '' : 'card-hide' },
              h('div', { class: 'message-text small' }, m.message ?? ''),
            ),
            h('td', {}, mediaCell(m, urls)),
            h('td', { class: 'card-inline' }, badge(m.status)),
          ),
        ),
      ),
    ),
  );
}
