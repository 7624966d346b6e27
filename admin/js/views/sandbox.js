/* Sandbox mode (admins): simulated contacts write to a session, show presence, read, and what each received. */
import { get, post } from '../api.js';
import {
  alertBox,
  append,
  busy,
  errorBox,
  field,
  formatDate,
  h,
  pageHeader,
  replace,
  select,
  spinner,
  table,
  toast,
} from '../dom.js';
import { contactActionsCard } from './sandbox-contact-actions.js';

export async function render(root) {
  append(
    root,
    pageHeader('Sandbox'),
    alertBox(
      'info',
      'WhatsApp is simulated in this gateway: these contacts and messages never reach the real WhatsApp.',
    ),
    spinner(),
  );
  const [contacts, sessions] = await Promise.all([get('/api/v1/sandbox/contacts'), get('/api/v1/sessions')]);
  root.lastChild.remove();
  const linked = sessions.filter((s) => s.phoneNumber);
  const actions = contactActionsCard({ contacts, linked });

  const contact = select(
    { name: 'contact' },
    contacts.map((c) => [c.phoneNumber, `${c.pushName} (${c.phoneNumber})`]),
  );
  const session = select(
    { name: 'session' },
    linked.map((s) => [s.id, `${s.name} (${s.id})`]),
  );
  const text = h('textarea', {
    name: 'text',
    rows: '2',
    required: true,
    maxlength: '4096',
    placeholder: 'Hello from a simulated contact',
  });
  const out = h('div', { 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send as this contact');
  const inbox = h('div');

  const showReceived = async () => {
    if (!contact.value) return replace(inbox);
    try {
      const received = await get(`/api/v1/sandbox/contacts/${encodeURIComponent(contact.value)}/messages`);
      replace(
        inbox,
        table(
          [
            ['Received', (m) => h('span', { class: 'small text-nowrap' }, formatDate(m.at))],
            ['From', (m) => m.from],
            ['Type', (m) => m.typeName ?? m.type],
            ['Text', (m) => h('div', { class: 'message-text small' }, m.text ?? '')],
          ],
          [...received].reverse(),
          {
            caption: `What ${contact.value} received, newest first`,
            empty: 'This contact has received nothing yet.',
          },
        ),
      );
    } catch (error) {
      replace(inbox, errorBox(error));
    }
  };
  contact.addEventListener('change', showReceived);

  const newPhone = h('input', {
    name: 'phoneNumber',
    required: true,
    pattern: '\\d{8,15}',
    inputmode: 'numeric',
    placeholder: '6281100000009',
  });
  const newName = h('input', { name: 'pushName', maxlength: '60', placeholder: 'Dewi' });
  const newReply = h('input', { name: 'autoReply', maxlength: '500', placeholder: 'echo' });
  const create = h('button', { type: 'submit', class: 'btn btn-outline-primary' }, 'Add contact');

  append(
    root,
    h(
      'div',
      { class: 'row g-4' },
      h(
        'div',
        { class: 'col-lg-6' },
        h(
          'section',
          { class: 'card mb-4', 'aria-labelledby': 'write-title' },
          h(
            'div',
            { class: 'card-body' },
            h('h2', { class: 'h5', id: 'write-title' }, 'A contact writes'),
            linked.length === 0 && alertBox('warning', 'No session is linked to a phone yet.'),
            h(
              'form',
              {
                id: 'sandbox-send-form',
                on: {
                  submit: (e) => {
                    e.preventDefault();
                    void busy(
                      send,
                      async () => {
                        await post(`/api/v1/sandbox/contacts/${encodeURIComponent(contact.value)}/messages`, {
                          sessionId: session.value,
                          text: text.value,
                        });
                        text.value = '';
                        replace(
                          out,
                          alertBox('success', 'Sent: it arrives in the session as an inbound message.'),
                        );
                      },
                      (error) => replace(out, errorBox(error)),
                    );
                  },
                },
              },
              field('Contact', contact),
              field('To session', session),
              field('Text', text),
              out,
              send,
            ),
          ),
        ),
        actions.card,
        h(
          'section',
          { class: 'card mb-4', 'aria-labelledby': 'contact-title' },
          h(
            'div',
            { class: 'card-body' },
            h('h2', { class: 'h5', id: 'contact-title' }, 'New simulated contact'),
            h(
              'form',
              {
                id: 'sandbox-contact-form',
                on: {
                  submit: (e) => {
                    e.preventDefault();
                    void busy(create, async () => {
                      const c = await post('/api/v1/sandbox/contacts', {
                        phoneNumber: newPhone.value.trim(),
                        ...(newName.value.trim() ? { pushName: newName.value.trim() } : {}),
                        ...(newReply.value.trim() ? { autoReply: newReply.value.trim() } : {}),
                      });
                      contact.append(
                        h('option', { value: c.phoneNumber }, `${c.pushName} (${c.phoneNumber})`),
                      );
                      actions.addContact(c);
                      e.target.reset();
                      toast('Contact added');
                    });
                  },
                },
              },
              h(
                'div',
                { class: 'row g-2' },
                h('div', { class: 'col-sm-4' }, field('Phone (digits)', newPhone)),
                h('div', { class: 'col-sm-4' }, field('Name', newName)),
                h('div', { class: 'col-sm-4' }, field('Auto reply', newReply, '"echo" repeats every text.')),
              ),
              create,
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'col-lg-6' },
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'inbox-title' },
          h(
            'div',
            { class: 'card-body' },
            h(
              'div',
              { class: 'd-flex align-items-center mb-2' },
              h('h2', { class: 'h5 mb-0 me-auto', id: 'inbox-title' }, 'What the contact received'),
              h(
                'button',
                { type: 'button', class: 'btn btn-sm btn-outline-secondary', on: { click: showReceived } },
                'Refresh',
              ),
            ),
            inbox,
          ),
        ),
      ),
    ),
  );
  await showReceived();
}
