/*
 * What a person can do with one message of a conversation (operators and admins): react, reply,
 * and for the account's own messages edit (texts) and delete for everyone. The ⋯ menu of a bubble.
 */
import { del, patch, post } from '../api.js';
import { confirmAction, h, modal, toast } from '../dom.js';
import { summaryOf } from './conversation-bubble.js';

const REACTIONS = ['👍', '❤️', '😂', '🙏'];

/** The latest reaction of each author per message; an empty emoji removed theirs. */
export function reactionsByTarget(messages) {
  const latest = new Map();
  for (const m of messages) {
    if (m.type !== 'reaction' || !m.quotedId) continue;
    const author = m.direction === 'outbound' ? 'You' : (m.pushName ?? `+${m.participant ?? m.from}`);
    latest.set(`${m.quotedId}\u0000${author}`, { target: m.quotedId, emoji: m.message ?? '', author });
  }
  const byTarget = new Map();
  for (const r of latest.values()) {
    if (!r.emoji) continue;
    if (!byTarget.has(r.target)) byTarget.set(r.target, []);
    byTarget.get(r.target).push(r);
  }
  return byTarget;
}

/**
 * The menu maker of a thread: `messages()` answers the loaded messages, `reload()` and
 * `refreshMessage(id)` read them again after a change, `onReply(m)` starts a reply.
 */
export function messageActions({ sessionId, chat, messages, reload, refreshMessage, onReply }) {
  const base = `/api/v1/sessions/${encodeURIComponent(sessionId)}/messages`;

  /** The account's reaction (the same emoji again takes it back, as on a phone). */
  async function react(m, emoji) {
    const mine = reactionsByTarget(messages())
      .get(m.messageId)
      ?.find((r) => r.author === 'You');
    try {
      await post(`/api/v1/sessions/${encodeURIComponent(sessionId)}/reaction`, {
        to: chat.chatJid,
        messageId: m.messageId,
        emoji: mine?.emoji === emoji ? '' : emoji,
      });
      await reload();
    } catch (error) {
      toast(error.message, 'danger');
    }
  }

  async function edit(m) {
    const text = h('textarea', {
      class: 'form-control',
      rows: '3',
      name: 'edit-text',
      'aria-label': 'New text',
      value: m.message ?? '',
    });
    const answer = await modal({
      title: 'Edit message',
      body: [text, h('div', { class: 'form-text' }, 'WhatsApp allows an edit within 15 minutes of sending.')],
      buttons: [
        ['Cancel', 'secondary', null],
        ['Save', 'primary', 'save'],
      ],
    });
    if (answer !== 'save' || !text.value.trim() || text.value === m.message) return;
    try {
      await patch(`${base}/${encodeURIComponent(m.messageId)}`, { text: text.value });
      await refreshMessage(m.messageId);
    } catch (error) {
      toast(error.message, 'danger');
    }
  }

  async function revoke(m) {
    const ok = await confirmAction(
      'Delete for everyone?',
      `"${summaryOf(m).slice(0, 80)}" is deleted on the contact's phone too (within 48 hours of sending). The gateway keeps its record.`,
      'Delete for everyone',
    );
    if (!ok) return;
    try {
      await del(`${base}/${encodeURIComponent(m.messageId)}`);
      await refreshMessage(m.messageId);
    } catch (error) {
      toast(error.message, 'danger');
    }
  }

  function actionsFor(m) {
    if (m.type === 'reaction') return null;
    const own = m.direction === 'outbound' && !m.revoked;
    const items = [
      ['Reply', 'reply', () => onReply(m)],
      own && m.type === 'text' && ['Edit', 'edit', () => edit(m)],
      own && ['Delete for everyone', 'delete', () => revoke(m)],
    ].filter(Boolean);
    return h(
      'span',
      { class: 'dropdown bubble-actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-link btn-sm p-0 px-1 text-reset text-decoration-none',
          'data-bs-toggle': 'dropdown',
          'aria-expanded': 'false',
          'aria-label': 'Message actions',
          dataset: { messageActions: m.messageId },
        },
        '⋯',
      ),
      h(
        'ul',
        { class: 'dropdown-menu dropdown-menu-end' },
        h(
          'li',
          { class: 'd-flex gap-1 px-2 pb-1', role: 'group', 'aria-label': 'React' },
          REACTIONS.map((emoji) =>
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-light btn-sm',
                title: `React ${emoji}`,
                dataset: { react: emoji },
                on: { click: () => react(m, emoji) },
              },
              emoji,
            ),
          ),
        ),
        items.map(([label, action, fn]) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'dropdown-item',
                dataset: { messageAction: action },
                on: { click: fn },
              },
              label,
            ),
          ),
        ),
      ),
    );
  }

  return actionsFor;
}
