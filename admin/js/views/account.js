/* Your own password; also the forced change at the first login of an account that must change it. */
import * as auth from '../auth.js';
import { alertBox, append, badge, field, h, pageHeader, replace } from '../dom.js';

export function render(root, { user }) {
  const forced = user.mustChangePassword;
  const current = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', {
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: '8',
    maxlength: '72',
  });
  const again = h('input', { type: 'password', autocomplete: 'new-password', required: true });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Change password');

  const form = h(
    'form',
    {
      id: 'change-password-form',
      novalidate: true,
      on: {
        submit: async (event) => {
          event.preventDefault();
          replace(status);
          if (next.value.length < 8)
            return replace(status, alertBox('danger', 'The new password needs at least 8 characters.'));
          if (next.value !== again.value)
            return replace(status, alertBox('danger', 'The two new passwords differ.'));
          submit.disabled = true;
          try {
            await auth.changePassword(current.value, next.value);
            form.reset();
            replace(status, alertBox('success', 'Password changed. Your other logins have ended.'));
          } catch (error) {
            replace(
              status,
              alertBox('danger', error.status === 401 ? 'The current password is wrong.' : error.message),
            );
          } finally {
            submit.disabled = false;
          }
        },
      },
    },
    field('Current password', current),
    field('New password', next, '8 to 72 characters.'),
    field('New password again', again),
    status,
    h(
      'div',
      { class: 'd-flex gap-2' },
      submit,
      forced &&
        h(
          'button',
          { type: 'button', class: 'btn btn-outline-secondary', on: { click: () => auth.logout() } },
          'Log out',
        ),
    ),
  );

  append(
    root,
    pageHeader(forced ? 'Choose a new password' : 'Your account'),
    forced && alertBox('warning', 'This account must change its password before it can do anything else.'),
    h(
      'div',
      { class: 'row' },
      h(
        'div',
        { class: 'col-md-6 col-lg-5' },
        !forced &&
          h(
            'dl',
            { class: 'row' },
            h('dt', { class: 'col-4' }, 'Email'),
            h('dd', { class: 'col-8' }, user.email),
            h('dt', { class: 'col-4' }, 'Name'),
            h('dd', { class: 'col-8' }, user.name ?? '—'),
            h('dt', { class: 'col-4' }, 'Role'),
            h('dd', { class: 'col-8' }, badge(user.role)),
          ),
        h(
          'div',
          { class: 'card' },
          h('div', { class: 'card-body' }, h('h2', { class: 'h5' }, 'Change password'), form),
        ),
      ),
    ),
  );
}
