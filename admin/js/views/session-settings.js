/* A session's own settings: automatic read receipts and the proxy it reaches WhatsApp through. */
import { patch } from '../api.js';
import { alertBox, busy, field, h, replace } from '../dom.js';
import { checkFields, fieldErrors, liveFieldChecks } from '../form-errors.js';

const path = (id) => `/api/v1/sessions/${encodeURIComponent(id)}`;

/** The settings card (operators and admins); `onSaved` gets the session as the API answers it. */
export function settingsSection(session, onSaved) {
  const autoRead = h('input', { type: 'checkbox', name: 'autoRead', checked: session.autoRead });
  const proxy = h('input', {
    type: 'url',
    name: 'proxy',
    maxlength: '2048',
    autocomplete: 'off',
    placeholder: 'e.g. socks5://user:password@proxy.example.com:1080',
  });
  const current = h('span', { class: 'font-monospace', dataset: { proxy: '' } });
  const out = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save settings');
  const remove = h('button', { type: 'button', class: 'btn btn-outline-secondary' }, 'Remove proxy');

  const show = (s) => {
    autoRead.checked = s.autoRead;
    replace(current, s.proxy ?? 'none (the server’s own address)');
    remove.hidden = !s.hasProxy;
  };
  const submit = (form, body, done) =>
    busy(
      save,
      async () => {
        const updated = await patch(path(session.id), body);
        proxy.value = '';
        show(updated);
        replace(out, alertBox('success', done));
        onSaved?.(updated);
      },
      (error) => fieldErrors(form, error),
    );

  const form = h(
    'form',
    {
      id: 'session-settings-form',
      novalidate: true,
      on: {
        submit: (event) => {
          event.preventDefault();
          replace(out);
          if (!checkFields(form)) return;
          const body = { autoRead: autoRead.checked };
          // Left empty, the proxy stays as it is (its password is never shown back to be re-sent).
          if (proxy.value.trim()) body.proxy = proxy.value.trim();
          void submit(
            form,
            body,
            body.proxy
              ? 'Saved. The proxy answered; the session uses it from its next connect.'
              : 'Settings saved.',
          );
        },
      },
    },
    field('Send read receipts for every message received (automatic blue ticks)', autoRead),
    h('p', { class: 'small mb-2' }, 'Proxy now: ', current),
    field(
      'New proxy',
      proxy,
      'http://, https://, socks5:// or socks5h:// with host and port. It is tried before it is saved; the password is stored encrypted and never shown again.',
    ),
    h('div', { class: 'd-flex flex-wrap gap-2' }, save, remove),
  );
  liveFieldChecks(form);
  remove.addEventListener('click', () => {
    replace(out);
    void submit(form, { proxy: null }, 'Proxy removed: the session connects directly from its next connect.');
  });
  show(session);
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'settings-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'settings-title' }, 'Settings'),
      form,
      h('div', { class: 'mt-3' }, out),
    ),
  );
}
