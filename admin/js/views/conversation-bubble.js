/*
 * One message of a conversation as a bubble: who wrote it (in groups), the message it answers, its
 * text or media, poll results, reactions, edited / deleted marks, the time (seconds on hover) and,
 * for the account's own messages, the delivery ticks. Everything is text or <img>/<video>/<audio>
 * from blob: URLs of media fetched with the login.
 */
import { fetchBlob, get } from '../api.js';
import { h, replace } from '../dom.js';

const timeShort = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const timeFull = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export const messageDate = (m) => new Date(Number(m.timestamp) * 1000);
/** "14:05", and the full date with seconds for a title attribute. */
export const shortTime = (date) => timeShort.format(date);
export const fullTime = (date) => timeFull.format(date);
export const dayOf = (date) => dayFormat.format(date);

const TICKS = {
  pending: ['🕓', 'pending: not sent yet'],
  sending: ['🕓', 'sending'],
  sent: ['✓', 'sent'],
  delivered: ['✓✓', 'delivered'],
  read: ['✓✓', 'read'],
  played: ['✓✓', 'played'],
  failed: ['!', 'failed'],
};

/** The delivery ticks of an outbound message; the status is in the title and for screen readers. */
export function ticks(status) {
  const [mark, label] = TICKS[status] ?? ['', status];
  return h(
    'span',
    {
      class: `tick tick-${status}`,
      dataset: { tick: status },
      title: label,
      'aria-label': label,
      role: 'img',
    },
    mark,
  );
}

/** What a message is about, in one short line (chat list previews, quoted replies). */
export function summaryOf(m) {
  if (!m) return '';
  if (m.revoked) return 'This message was deleted';
  const text = (m.message ?? '').replace(/\s+/g, ' ').trim();
  switch (m.type) {
    case 'text':
      return text;
    case 'image':
    case 'video':
    case 'audio':
    case 'sticker':
      return text ? `[${m.type}] ${text}` : `[${m.type}]`;
    case 'document':
      return `[document] ${m.fileName ?? text}`.trim();
    case 'poll':
      return `[poll] ${text}`;
    case 'reaction':
      return text ? `reacted ${text}` : 'removed a reaction';
    default:
      return text || `[${m.type}]`;
  }
}

/** Who wrote a message, as the thread names them. */
export function authorOf(m) {
  if (m.direction === 'outbound') return 'You';
  if (m.pushName) return m.pushName;
  const phone = m.participant ?? m.from;
  return phone ? `+${phone}` : (m.participantLid ?? 'Unknown');
}

/** Media in place: pictures at once, video/audio/documents on a click (they can be large). */
function mediaOf(m, urls) {
  if (!m.mediaUrl) {
    const state =
      m.direction === 'outbound'
        ? 'sent from here (not kept)'
        : m.mediaState === 'pending'
          ? 'downloading…'
          : `not downloaded${m.mediaError ? ` (${m.mediaError})` : m.mediaState ? ` (${m.mediaState})` : ''}`;
    return h(
      'div',
      { class: 'small text-secondary fst-italic' },
      `${m.type}${m.fileName ? ` ${m.fileName}` : ''}: ${state}`,
    );
  }
  const box = h('div', { class: 'bubble-media' });
  const alt = m.fileName ?? `${m.type} from ${authorOf(m)}`;
  const show = async (button) => {
    if (button) button.disabled = true;
    try {
      const { blob } = await fetchBlob(m.mediaUrl);
      const src = URL.createObjectURL(blob);
      urls.push(src);
      const el =
        m.type === 'image' || m.type === 'sticker'
          ? h('img', { src, alt, class: 'rounded', dataset: { media: m.type } })
          : m.type === 'video'
            ? h('video', { src, controls: true, 'aria-label': alt })
            : m.type === 'audio'
              ? h('audio', { src, controls: true, 'aria-label': alt })
              : h(
                  'a',
                  { href: src, download: m.fileName ?? 'file', class: 'btn btn-sm btn-outline-secondary' },
                  `Save ${m.fileName ?? 'file'}`,
                );
      replace(box, el);
    } catch (error) {
      replace(box, h('span', { class: 'small text-danger' }, error.message));
    }
  };
  if (m.type === 'image' || m.type === 'sticker') void show(null);
  else
    box.append(
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-sm btn-outline-secondary',
          on: { click: (e) => show(e.currentTarget) },
        },
        m.type === 'document' ? `Open ${m.fileName ?? 'document'}` : `Play ${m.type}`,
      ),
    );
  return box;
}

/** A poll's options with their current votes (read again on each `poll.vote`). */
export function pollResults(sessionId, m) {
  const box = h('div', { class: 'poll-results', dataset: { pollId: m.messageId } });
  box.refresh = async () => {
    try {
      const poll = await get(
        `/api/v1/sessions/${encodeURIComponent(sessionId)}/messages/${encodeURIComponent(m.messageId)}/poll`,
      );
      const total = poll.options.reduce((sum, o) => sum + o.votes, 0);
      replace(
        box,
        h(
          'ul',
          { class: 'list-unstyled mb-1' },
          poll.options.map((o) =>
            h(
              'li',
              { class: 'poll-option', dataset: { option: o.text, votes: String(o.votes) } },
              h(
                'div',
                { class: 'd-flex justify-content-between gap-2' },
                h('span', {}, o.text),
                h(
                  'span',
                  { class: 'fw-semibold', title: o.voters.map((v) => `+${v}`).join(', ') },
                  String(o.votes),
                ),
              ),
              h(
                'div',
                { class: 'progress poll-bar', role: 'presentation' },
                h('div', {
                  class: 'progress-bar',
                  style: { width: `${total ? (100 * o.votes) / total : 0}%` },
                }),
              ),
            ),
          ),
        ),
        h('div', { class: 'small text-secondary' }, poll.multiple ? 'Several answers allowed' : 'One answer'),
      );
    } catch (error) {
      replace(box, h('div', { class: 'small text-danger' }, error.message));
    }
  };
  void box.refresh();
  return box;
}

/**
 * The bubble of `m`. `quoted` is the message it answers (or null when not loaded), `reactions` a list
 * of { emoji, author }, `actions` the per-message menu (or null), `showAuthor` for group chats.
 */
export function bubble(m, { sessionId, quoted, reactions, actions, showAuthor, urls, polls }) {
  const out = m.direction === 'outbound';
  const date = messageDate(m);
  let content;
  if (m.type === 'poll') {
    const results = pollResults(sessionId, m);
    polls.set(m.messageId, results);
    content = [h('div', { class: 'fw-semibold message-text' }, m.message ?? ''), results];
  } else if (['image', 'video', 'audio', 'document', 'sticker'].includes(m.type)) {
    content = [
      mediaOf(m, urls),
      m.type !== 'document' && m.message && h('div', { class: 'message-text' }, m.message),
    ];
  } else if (m.type === 'reaction') {
    content = h('div', { class: 'small fst-italic' }, summaryOf(m));
  } else content = h('div', { class: 'message-text' }, m.message ?? `[${m.type}]`);

  return h(
    'div',
    {
      class: `bubble-row ${out ? 'bubble-row-out' : 'bubble-row-in'}`,
      dataset: { messageId: m.messageId, direction: m.direction, type: m.type },
    },
    h(
      'div',
      { class: `bubble ${out ? 'bubble-out' : 'bubble-in'} ${m.revoked ? 'bubble-revoked' : ''}` },
      showAuthor && !out && h('div', { class: 'bubble-author small fw-semibold' }, authorOf(m)),
      m.quotedId &&
        m.type !== 'reaction' &&
        h(
          'div',
          { class: 'bubble-quote small', dataset: { quotedId: m.quotedId } },
          quoted
            ? [
                h('div', { class: 'fw-semibold' }, authorOf(quoted)),
                h('div', { class: 'text-truncate' }, summaryOf(quoted)),
              ]
            : h('div', { class: 'fst-italic' }, 'A reply to an earlier message'),
        ),
      content,
      reactions.length > 0 &&
        h(
          'div',
          { class: 'bubble-reactions', dataset: { reactions: reactions.map((r) => r.emoji).join('') } },
          reactions.map((r) => h('span', { class: 'reaction', title: r.author }, r.emoji)),
        ),
      h(
        'div',
        { class: 'bubble-meta small' },
        m.revoked &&
          h(
            'span',
            {
              class: 'badge text-bg-secondary',
              dataset: { revoked: '' },
              title: m.revokedAt ? `Deleted ${fullTime(new Date(m.revokedAt))}` : 'Deleted',
            },
            'deleted',
          ),
        m.edited &&
          h(
            'span',
            {
              class: 'fst-italic',
              dataset: { edited: '' },
              title: m.editedAt ? `Edited ${fullTime(new Date(m.editedAt))}` : 'Edited',
            },
            'edited',
          ),
        h('time', { datetime: date.toISOString(), title: fullTime(date) }, shortTime(date)),
        out && ticks(m.status),
        actions,
      ),
    ),
  );
}
