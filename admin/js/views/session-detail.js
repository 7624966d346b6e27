/* One session: live status, the connection and link cards, API tokens, webhook override. */
import { get, post, put } from '../api.js';
import {
  alertBox,
  append,
  busy,
  confirmAction,
  errorBox,
  field,
  h,
  pageHeader,
  replace,
  secretOnce,
} from '../dom.js';
import * as live from '../live.js';
import { canOperate } from '../roles.js';
import { checkFields, fieldErrors } from '../form-errors.js';
import { link } from '../router.js';
import { groupsSection } from './session-groups.js';
import { lifecycleCards } from './session-lifecycle.js';
import { settingsSection } from './session-settings.js';
import { liveStatusBadge } from './session-parts.js';
import { tokensSection } from './session-tokens.js';
import { eventChoices, testButton } from './webhook-parts.js';

const path = (id, rest = '') => `/api/v1/sessions/${encodeURIComponent(id)}${rest}`;

function webhookSection(session) {
  const url = h('input', {
    type: 'url',
    name: 'webhook-url',
    value: session.webhookUrl ?? '',
    placeholder: 'e.g. https://example.com/hooks/whatsapp',
  });
  const events = eventChoices('Events sent to this URL', session.webhookEvents);
  const out = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save override');
  const remove = h('button', { type: 'button', class: 'btn btn-outline-secondary' }, 'Remove override');
  const secretButton = h(
    'button',
    { type: 'button', class: 'btn btn-outline-warning' },
    'New signing secret',
  );
  // The session's own secret, as its fingerprint (asked once the section is on the page).
  const fingerprint = h('code', { id: 'session-secret-fingerprint' }, '…');
  get(`/api/v1/webhooks/sessions/${encodeURIComponent(session.id)}/secret`)
    .then((info) => (fingerprint.textContent = info.fingerprint))
    .catch(() => (fingerprint.textContent = 'unknown'));
  const submitOverride = async (body) => {
    const updated = await put(path(session.id, '/webhook'), body);
    url.value = updated.webhookUrl ?? '';
    replace(
      out,
      alertBox(
        'success',
        updated.webhookUrl
          ? 'This session now sends its events to its own URL.'
          : 'The global webhook applies again.',
      ),
    );
  };
  remove.addEventListener('click', () =>
    busy(
      remove,
      () => submitOverride({ webhookUrl: null, webhookEvents: [] }),
      (e) => replace(out, errorBox(e)),
    ),
  );
  secretButton.addEventListener('click', async () => {
    if (
      !(await confirmAction(
        'Replace the signing secret of this session?',
        'Its receiver must use the new secret to check X-Signature from now on.',
        'Replace',
        'warning',
      ))
    )
      return;
    await busy(secretButton, async () => {
      const { newSecret, fingerprint: newFingerprint } = await post(
        `/api/v1/webhooks/sessions/${encodeURIComponent(session.id)}/secret`,
        {},
      );
      fingerprint.textContent = newFingerprint;
      replace(out, secretOnce('Signing secret of this session', newSecret));
    });
  });
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'webhook-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'webhook-title' }, 'Webhook override'),
      h(
        'p',
        { class: 'small text-secondary' },
        "Without an override, this session's events go to the global webhook.",
      ),
      h(
        'form',
        {
          id: 'session-webhook-form',
          novalidate: true,
          on: {
            submit: (event) => {
              event.preventDefault();
              const form = event.currentTarget;
              if (!checkFields(form)) return;
              void busy(
                save,
                () =>
                  submitOverride({ webhookUrl: url.value.trim() || null, webhookEvents: events.selected() }),
                (e) =>
                  fieldErrors(form, e, { names: { webhookUrl: 'webhook-url', webhookEvents: 'events' } }),
              );
            },
          },
        },
        field('URL', url),
        events,
        h(
          'p',
          { class: 'small text-secondary' },
          "This session's signing secret (X-Signature with its own URL): fingerprint ",
          fingerprint,
          '.',
        ),
        h(
          'div',
          { class: 'd-flex flex-wrap gap-2' },
          save,
          remove,
          testButton(out, () => ({ sessionId: session.id })),
          secretButton,
        ),
      ),
      h('div', { class: 'mt-3' }, out),
    ),
  );
}

export async function render(root, ctx) {
  const { params, user, state, navigate, onCleanup, gateway } = ctx;
  const operator = canOperate(user);
  const body = h('div');
  append(root, body);
  // Shown once: kept for this visit, gone from the history entry (a reload must not show it again).
  const token = state?.token;
  if (token) history.replaceState({ ...history.state, token: undefined }, '');
  // Set while this page deletes the session: nothing re-reads it then (no 404 after a delete).
  const guard = { deleting: false };
  let drawn = [];
  const scoped = (off) => drawn.push(off);
  onCleanup(() => drawn.forEach((off) => off()));

  const draw = (session) => {
    // Status pushes keep the badge and QR current; a page re-draw follows bigger changes (phone, name).
    drawn.forEach((off) => off());
    drawn = [];
    replace(
      body,
      pageHeader(
        session.name,
        liveStatusBadge(session, scoped),
        h(
          'a',
          {
            class: 'btn btn-outline-primary btn-sm',
            href: link(`/sessions/${encodeURIComponent(session.id)}/chats`),
          },
          'Conversations',
        ),
        h(
          'a',
          {
            class: 'btn btn-outline-secondary btn-sm',
            href: link(`/sessions/${encodeURIComponent(session.id)}/contacts`),
          },
          'Contacts',
        ),
        h(
          'a',
          {
            class: 'btn btn-outline-secondary btn-sm',
            href: link(`/sessions/${encodeURIComponent(session.id)}/messages`),
          },
          'Messages',
        ),
      ),
      h('p', { class: 'text-secondary font-monospace small' }, `Session id: ${session.id}`),
      token && secretOnce('API token of this session', token),
      lifecycleCards(session, { user, gateway, navigate, operator, guard, onCleanup: scoped }),
      groupsSection(session, operator),
      operator && settingsSection(session),
      operator && tokensSection(session),
      operator && webhookSection(session),
    );
  };
  const load = async () => {
    if (guard.deleting) return;
    try {
      const session = await get(path(params.id));
      if (!guard.deleting) draw(session);
    } catch (error) {
      if (guard.deleting) return;
      replace(
        body,
        pageHeader('Session'),
        error.status === 404
          ? alertBox(
              'info',
              'This session no longer exists (it was deleted). ',
              h('a', { href: link('/sessions') }, 'All sessions'),
            )
          : errorBox(error),
      );
    }
  };
  // Re-drawn once it connects (its phone, its groups); the cards follow the other changes by
  // themselves. A session being deleted here is not re-read (its logout pushes `logged_out`).
  onCleanup(
    live.on('session.status', (event) => {
      if (event.sessionId === params.id && event.status === 'connected') void load();
    }),
  );
  onCleanup(live.on('resync', load));
  await load();
}
