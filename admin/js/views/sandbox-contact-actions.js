/* Sandbox page: a simulated contact shows presence to a session and reads what the session sent it. */
import { post } from '../api.js';
import { alertBox, busy, errorBox, field, h, replace, select } from '../dom.js';

const STATES = [
  ['composing', 'Typing'],
  ['recording', 'Recording a voice note'],
  ['paused', 'Stopped typing'],
  ['available', 'Online'],
  ['unavailable', 'Offline'],
];
const ONLINE_STATES = new Set(['available', 'unavailable']);
const contactLabel = (c) => `${c.pushName} (${c.phoneNumber})`;

function presenceOutcome(result, stateLabel) {
  if (ONLINE_STATES.has(result.state) && !result.subscribed) {
    return alertBox(
      'warning',
      `Kept as ${stateLabel.toLowerCase()}, but the session has not subscribed to this contact's presence: ` +
        'it hears online and offline after POST /api/v1/sessions/:id/presence/subscribe.',
    );
  }
  if (result.devicesReached === 0) {
    return alertBox('warning', "The session's phone is not connected: presence is not kept for later.");
  }
  const heard = result.state === 'paused' ? ' (available: WhatsApp Web reports a pause as plain online)' : '';
  return alertBox('success', `${stateLabel}: the session gets a presence.update event${heard}.`);
}

/**
 * The "Presence and read receipts" card: its own contact and session pickers, a presence state to
 * show, and a button that reads every unread message the session sent the contact.
 * Answers the card and `addContact(contact)` for contacts added later on the page.
 */
export function contactActionsCard({ contacts, linked }) {
  const contact = select(
    { name: 'presence-contact' },
    contacts.map((c) => [c.phoneNumber, contactLabel(c)]),
  );
  const session = select(
    { name: 'presence-session' },
    linked.map((s) => [s.id, `${s.name} (${s.id})`]),
  );
  const state = select({ name: 'presence-state' }, STATES);
  const out = h('div', { 'aria-live': 'polite' });
  const show = h('button', { type: 'submit', class: 'btn btn-outline-primary' }, 'Show presence');
  const readAll = h(
    'button',
    { type: 'button', class: 'btn btn-outline-secondary', id: 'sandbox-read-all' },
    'Read all from the account',
  );
  const contactPath = (p) => `/api/v1/sandbox/contacts/${encodeURIComponent(contact.value)}/${p}`;

  readAll.addEventListener('click', () => {
    void busy(
      readAll,
      async () => {
        const result = await post(contactPath('read'), { sessionId: session.value });
        replace(
          out,
          result.read.length === 0
            ? alertBox('info', 'Nothing unread: the contact has read every message the session sent it.')
            : alertBox(
                'success',
                `Read ${result.read.length} message${result.read.length === 1 ? '' : 's'}: ` +
                  'their status becomes read (blue ticks).',
              ),
        );
      },
      (error) => replace(out, errorBox(error)),
    );
  });

  const card = h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'presence-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'presence-title' }, 'Presence and read receipts'),
      h(
        'form',
        {
          id: 'sandbox-presence-form',
          on: {
            submit: (e) => {
              e.preventDefault();
              const label = state.selectedOptions[0]?.textContent ?? state.value;
              void busy(
                show,
                async () => {
                  const result = await post(contactPath('presence'), {
                    sessionId: session.value,
                    state: state.value,
                  });
                  replace(out, presenceOutcome(result, label));
                },
                (error) => replace(out, errorBox(error)),
              );
            },
          },
        },
        h(
          'div',
          { class: 'row g-2' },
          h('div', { class: 'col-sm-6' }, field('Contact', contact)),
          h('div', { class: 'col-sm-6' }, field('Towards session', session)),
        ),
        field('Presence', state, 'Online and offline reach a session that subscribed to the contact.'),
        out,
        h('div', { class: 'd-flex flex-wrap gap-2' }, show, readAll),
      ),
    ),
  );

  return {
    card,
    addContact: (c) => contact.append(h('option', { value: c.phoneNumber }, contactLabel(c))),
  };
}
