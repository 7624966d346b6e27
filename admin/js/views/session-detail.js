/* One session: live status and QR, connect / disconnect / log out / delete, API tokens, webhook override. */
import { del, get, post, put } from '../api.js';
import {
  alertBox,
  append,
  badge,
  busy,
  confirmAction,
  errorBox,
  field,
  formatDate,
  h,
  pageHeader,
  replace,
  secretOnce,
  table,
  toast,
} from '../dom.js';
import * as live from '../live.js';
import { canOperate, isAdmin } from '../roles.js';
import { link } from '../router.js';
import { groupsSection } from './session-groups.js';
import { pairingCodePanel } from './pairing-code-panel.js';
import { liveStatusBadge, qrPanel } from './session-parts.js';
import { eventChoices, testButton } from './webhook-parts.js';

const path = (id, rest = '') => `/api/v1/sessions/${encodeURIComponent(id)}${rest}`;

function details(session) {
  const row = (label, value) => [
    h('dt', { class: 'col-sm-5' }, label),
    h('dd', { class: 'col-sm-7' }, value ?? '—'),
  ];
  return h(
    'dl',
    { class: 'row mb-0' },
    row('Phone number', session.phoneNumber),
    row('WhatsApp name', session.pushName),
    row('Held by', session.heldBy),
    row('Last connected', formatDate(session.lastConnectedAt)),
    row('Last seen', formatDate(session.lastSeenAt)),
    row(
      'Last disconnect',
      session.lastDisconnectCode
        ? `${session.lastDisconnectCode} ${session.lastDisconnectReason ?? ''}`
        : null,
    ),
    row('Created', formatDate(session.createdAt)),
  );
}

function actions(session, { navigate, reload }) {
  const act = (label, kind, work, confirm) => {
    const button = h(
      'button',
      {
        type: 'button',
        class: `btn btn-${kind}`,
        dataset: { action: label.toLowerCase().replace(/\s+/g, '-') },
      },
      label,
    );
    button.addEventListener('click', async () => {
      if (confirm && !(await confirmAction(...confirm))) return;
      await busy(button, async () => {
        await work();
        toast(`${label}: done`);
      });
    });
    return button;
  };
  const id = session.id;
  return h(
    'div',
    { class: 'd-flex flex-wrap gap-2' },
    act('Connect', 'outline-success', async () => reload(await post(path(id, '/connect')))),
    act('Disconnect', 'outline-secondary', async () => reload(await post(path(id, '/disconnect'))), [
      'Disconnect this session?',
      'The connection closes; the phone stays linked and Connect restores it.',
      'Disconnect',
      'warning',
    ]),
    act('Log out', 'outline-warning', async () => reload(await post(path(id, '/logout'))), [
      'Log this session out of WhatsApp?',
      'The phone is unlinked and its credentials are forgotten; linking again needs a new QR scan.',
      'Log out',
    ]),
    act(
      'Delete',
      'outline-danger',
      async () => {
        await del(path(id));
        navigate('/sessions', { replace: true });
      },
      [
        `Delete the session "${session.name}"?`,
        'The device is logged out and the session is deleted with its tokens and messages. This cannot be undone.',
        'Delete',
      ],
    ),
  );
}

function tokensSection(session) {
  const out = h('div');
  const listBox = h('div');
  const name = h('input', {
    name: 'token-name',
    required: true,
    maxlength: '120',
    placeholder: 'crm-integration',
  });
  const expires = h('input', { type: 'date', name: 'token-expires' });

  const load = async () => {
    try {
      const tokens = await get(path(session.id, '/tokens'));
      replace(
        listBox,
        table(
          [
            ['Name', (t) => t.name],
            ['Token', (t) => h('code', {}, `${t.prefix}…`)],
            ['Created', (t) => formatDate(t.createdAt)],
            ['Last used', (t) => formatDate(t.lastUsedAt)],
            ['Expires', (t) => formatDate(t.expiresAt)],
            ['State', (t) => badge(t.revokedAt ? 'revoked' : 'active')],
            [
              'Actions',
              (t) =>
                !t.revokedAt &&
                h(
                  'div',
                  { class: 'd-flex gap-1' },
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-sm btn-outline-secondary',
                      on: { click: (e) => rotate(t, e.currentTarget) },
                    },
                    'Rotate',
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-sm btn-outline-danger',
                      on: { click: (e) => revoke(t, e.currentTarget) },
                    },
                    'Revoke',
                  ),
                ),
            ],
          ],
          tokens,
          { empty: 'This session has no API tokens.', caption: 'API tokens of this session' },
        ),
      );
    } catch (error) {
      replace(listBox, errorBox(error));
    }
  };
  const revoke = async (token, button) => {
    if (
      !(await confirmAction(
        `Revoke the token "${token.name}"?`,
        'It stops working at once; systems using it get 401.',
        'Revoke',
      ))
    )
      return;
    await busy(button, async () => {
      await del(path(session.id, `/tokens/${token.id}`));
      toast('Token revoked');
      await load();
    });
  };
  const rotate = async (token, button) => {
    if (
      !(await confirmAction(
        `Rotate the token "${token.name}"?`,
        'The old token stops working now; a new one is shown once.',
        'Rotate',
        'warning',
      ))
    )
      return;
    await busy(button, async () => {
      const issued = await post(path(session.id, `/tokens/${token.id}/rotate`));
      replace(out, secretOnce(`New token for "${issued.name}"`, issued.token));
      await load();
    });
  };
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create token');
  const form = h(
    'form',
    {
      id: 'create-token-form',
      on: {
        submit: async (event) => {
          event.preventDefault();
          await busy(
            submit,
            async () => {
              const body = { name: name.value.trim() };
              if (expires.value) body.expiresAt = new Date(`${expires.value}T23:59:59`).toISOString();
              const issued = await post(path(session.id, '/tokens'), body);
              replace(out, secretOnce(`Token "${issued.name}"`, issued.token));
              form.reset();
              await load();
            },
            (error) => replace(out, errorBox(error)),
          );
        },
      },
    },
    h(
      'div',
      { class: 'row g-2 align-items-end' },
      h('div', { class: 'col-sm-5' }, field('Token name', name)),
      h('div', { class: 'col-sm-4' }, field('Expires (optional)', expires)),
      h('div', { class: 'col-sm-3 mb-3' }, submit),
    ),
  );
  void load();
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'tokens-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'tokens-title' }, 'API tokens'),
      form,
      out,
      listBox,
    ),
  );
}

function webhookSection(session) {
  const url = h('input', {
    type: 'url',
    name: 'webhook-url',
    value: session.webhookUrl ?? '',
    placeholder: 'https://example.com/hooks/whatsapp',
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
      const { newSecret } = await post(
        `/api/v1/webhooks/sessions/${encodeURIComponent(session.id)}/secret`,
        {},
      );
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
          on: {
            submit: (event) => {
              event.preventDefault();
              void busy(
                save,
                () =>
                  submitOverride({ webhookUrl: url.value.trim() || null, webhookEvents: events.selected() }),
                (e) => replace(out, errorBox(e)),
              );
            },
          },
        },
        field('URL', url),
        events,
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
            href: link(`/sessions/${encodeURIComponent(session.id)}/messages`),
          },
          'Messages',
        ),
      ),
      h('p', { class: 'text-secondary font-monospace small' }, `Session id: ${session.id}`),
      token && secretOnce('API token of this session', token),
      h(
        'div',
        { class: 'row g-4 mb-4' },
        h(
          'div',
          { class: 'col-lg-7' },
          h(
            'section',
            { class: 'card h-100' },
            h(
              'div',
              { class: 'card-body' },
              h('h2', { class: 'h5' }, 'Connection'),
              details(session),
              operator && h('div', { class: 'mt-3' }, actions(session, { navigate, reload: () => load() })),
            ),
          ),
        ),
        h(
          'div',
          { class: 'col-lg-5' },
          h(
            'section',
            { class: 'card h-100', 'aria-labelledby': 'qr-title' },
            h(
              'div',
              { class: 'card-body' },
              h('h2', { class: 'h5', id: 'qr-title' }, 'Link a phone'),
              operator
                ? qrPanel(session, scoped)
                : h('p', { class: 'text-secondary small' }, 'Only operators and admins see QR codes.'),
              operator &&
                session.status !== 'connected' &&
                pairingCodePanel(session, { sandboxTyping: Boolean(gateway?.sandbox) && isAdmin(user) }),
              session.status === 'connected' &&
                h(
                  'p',
                  { class: 'small text-success mb-0', dataset: { linked: '' } },
                  `Linked to ${session.phoneNumber ?? 'a phone'}.`,
                ),
            ),
          ),
        ),
      ),
      groupsSection(session, operator),
      operator && tokensSection(session),
      operator && webhookSection(session),
    );
  };
  const load = async () => {
    try {
      draw(await get(path(params.id)));
    } catch (error) {
      replace(body, pageHeader('Session'), errorBox(error));
    }
  };
  // Re-read the session once it connects or logs out (phone number, linked device).
  onCleanup(
    live.on('session.status', (event) => {
      if (event.sessionId === params.id && ['connected', 'logged_out'].includes(event.status)) void load();
    }),
  );
  onCleanup(live.on('resync', load));
  await load();
}
