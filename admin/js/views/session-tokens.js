/* A session's API tokens: create (shown once), list with last use, rotate, revoke. */
import { del, get, post } from '../api.js';
import {
  badge,
  busy,
  confirmAction,
  errorBox,
  field,
  formatDate,
  h,
  replace,
  secretOnce,
  table,
  toast,
} from '../dom.js';
import { checkFields, clearFieldErrors, fieldErrors, liveFieldChecks } from '../form-errors.js';

const TOKENS_REREAD_MS = 10_000;
const path = (id, rest = '') => `/api/v1/sessions/${encodeURIComponent(id)}${rest}`;

export function tokensSection(session) {
  const out = h('div');
  const listBox = h('div');
  const name = h('input', {
    name: 'token-name',
    required: true,
    maxlength: '120',
    placeholder: 'e.g. crm-integration',
  });
  const expires = h('input', { type: 'date', name: 'token-expires' });

  let shown = null;
  const load = async () => {
    try {
      const tokens = await get(path(session.id, '/tokens'));
      // Redrawn only when something changed (a re-read every few seconds must not disturb a click).
      const seen = JSON.stringify(tokens);
      if (seen === shown) return;
      shown = seen;
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
          if (!checkFields(form)) return;
          await busy(
            submit,
            async () => {
              const body = { name: name.value.trim() };
              if (expires.value) body.expiresAt = new Date(`${expires.value}T23:59:59`).toISOString();
              const issued = await post(path(session.id, '/tokens'), body);
              replace(out, secretOnce(`Token "${issued.name}"`, issued.token));
              form.reset();
              clearFieldErrors(form);
              await load();
            },
            (error) =>
              fieldErrors(form, error, { names: { name: 'token-name', expiresAt: 'token-expires' } }),
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
  liveFieldChecks(form);
  void load();
  // "Last used" moves as systems use the tokens: re-read while the page is in sight, and on return.
  const reread = () => {
    if (!listBox.isConnected) return stop();
    if (document.visibilityState === 'visible') void load();
  };
  const timer = window.setInterval(reread, TOKENS_REREAD_MS);
  const stop = () => {
    window.clearInterval(timer);
    window.removeEventListener('focus', reread);
    document.removeEventListener('visibilitychange', reread);
  };
  window.addEventListener('focus', reread);
  document.addEventListener('visibilitychange', reread);
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
