/* Sessions: every WhatsApp session with its live status (and QR while it waits for a scan); create one. */
import { get, post } from '../api.js';
import { alertBox, append, errorBox, field, formatDate, h, pageHeader, replace, spinner } from '../dom.js';
import { checkFields, fieldErrors, liveFieldChecks } from '../form-errors.js';
import * as live from '../live.js';
import { canOperate } from '../roles.js';
import { link } from '../router.js';
import { liveStatusBadge, qrPanel } from './session-parts.js';
import { stopReason } from './session-words.js';

/** Why the session last stopped, in words, while it is not connected; follows the pushes. */
function lastStop(session, onCleanup) {
  let current = { ...session };
  const el = h('p', { class: 'small text-secondary mb-2', dataset: { lastStopFor: session.id } });
  const draw = () => {
    const words = current.status === 'connected' ? null : stopReason(current);
    el.hidden = !words;
    el.textContent = words ? `Last stop: ${words}` : '';
  };
  onCleanup(
    live.on('session.status', (event) => {
      if (event.sessionId !== session.id) return;
      current = { ...current, status: event.status };
      if (event.reason !== null || event.code !== null) {
        current.lastDisconnectReason = event.reason;
        current.lastDisconnectCode = event.code;
      }
      draw();
    }),
  );
  draw();
  return el;
}

function sessionCard(session, { user, onCleanup }) {
  const operator = canOperate(user);
  return h(
    'div',
    { class: 'col' },
    h(
      'article',
      { class: 'card h-100', dataset: { sessionCard: session.id } },
      h(
        'div',
        { class: 'card-body' },
        h(
          'div',
          { class: 'd-flex justify-content-between align-items-start gap-2 mb-2' },
          h(
            'div',
            {},
            h(
              'h2',
              { class: 'h5 mb-0' },
              h('a', { href: link(`/sessions/${encodeURIComponent(session.id)}`) }, session.name),
            ),
            h('div', { class: 'small text-secondary font-monospace' }, session.id),
          ),
          liveStatusBadge(session, onCleanup),
        ),
        h(
          'dl',
          { class: 'row small mb-2' },
          h('dt', { class: 'col-5' }, 'Phone'),
          h('dd', { class: 'col-7 mb-1' }, session.phoneNumber ?? '—'),
          h('dt', { class: 'col-5' }, 'Last connected'),
          h('dd', { class: 'col-7 mb-1' }, formatDate(session.lastConnectedAt)),
        ),
        lastStop(session, onCleanup),
        operator
          ? qrPanel(session, onCleanup, { thumb: true })
          : session.status === 'qr_pending' &&
              h('p', { class: 'small text-secondary mb-0' }, 'Waiting for an operator to scan the QR code.'),
      ),
      h(
        'div',
        { class: 'card-footer bg-transparent d-flex gap-2' },
        h(
          'a',
          {
            class: 'btn btn-sm btn-outline-primary',
            href: link(`/sessions/${encodeURIComponent(session.id)}`),
          },
          'Details',
        ),
        h(
          'a',
          {
            class: 'btn btn-sm btn-outline-secondary',
            href: link(`/sessions/${encodeURIComponent(session.id)}/messages`),
          },
          'Messages',
        ),
      ),
    ),
  );
}

function createForm(navigate) {
  const name = h('input', { name: 'name', required: true, maxlength: '120', placeholder: 'e.g. Sales team' });
  const id = h('input', {
    name: 'id',
    'aria-describedby': 'session-id-help',
    pattern: '[a-z0-9][a-z0-9_\\-]{0,63}',
    maxlength: '64',
    placeholder: 'e.g. sales',
    title: 'Lowercase letters, digits, - and _',
  });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create session');
  const form = h(
    'form',
    {
      id: 'create-session-form',
      class: 'card card-body mb-4',
      on: {
        submit: async (event) => {
          event.preventDefault();
          if (!checkFields(form)) return;
          submit.disabled = true;
          replace(status);
          try {
            const created = await post('/api/v1/sessions', {
              name: name.value.trim(),
              ...(id.value.trim() ? { id: id.value.trim() } : {}),
            });
            // The token is shown once, on the session's page.
            navigate(`/sessions/${encodeURIComponent(created.session.id)}`, {
              state: { token: created.token },
            });
          } catch (error) {
            fieldErrors(form, error);
          } finally {
            submit.disabled = false;
          }
        },
      },
    },
    h('h2', { class: 'h5' }, 'New session'),
    h(
      'div',
      { class: 'row g-2 align-items-end' },
      h('div', { class: 'col-sm-5' }, field('Name', name)),
      h('div', { class: 'col-sm-4' }, field('Id (optional)', id)),
      h('div', { class: 'col-sm-3 mb-3' }, submit),
    ),
    h(
      'p',
      { class: 'form-text mt-0', id: 'session-id-help' },
      'The id is lowercase letters, digits, - and _; it is made from the name when empty. A new session shows a QR code to scan.',
    ),
    status,
  );
  return liveFieldChecks(form);
}

export async function render(root, ctx) {
  const { user, navigate, onCleanup } = ctx;
  const list = h('div', {}, spinner());
  append(root, pageHeader('Sessions'), canOperate(user) && createForm(navigate), list);

  let cardCleanups = [];
  const load = async () => {
    for (const off of cardCleanups.splice(0)) off();
    try {
      const sessions = await get('/api/v1/sessions');
      if (sessions.length === 0) return replace(list, alertBox('info', 'No sessions yet.'));
      replace(
        list,
        h(
          'div',
          { class: 'row row-cols-1 row-cols-md-2 row-cols-xl-3 g-3' },
          sessions.map((s) => sessionCard(s, { user, onCleanup: (off) => cardCleanups.push(off) })),
        ),
      );
    } catch (error) {
      replace(list, errorBox(error));
    }
  };
  onCleanup(() => cardCleanups.forEach((off) => off()));
  // A session created or deleted elsewhere appears in a status push; re-read the list then.
  const known = new Set();
  onCleanup(
    live.on('session.status', (event) => {
      if (
        !known.has(event.sessionId) &&
        !list.querySelector(`[data-session-card="${CSS.escape(event.sessionId)}"]`)
      ) {
        known.add(event.sessionId);
        void load();
      }
    }),
  );
  onCleanup(live.on('resync', load));
  await load();
}
