/* Users (admins only): create, change role, deactivate and reactivate, reset a password. */
import { get, patch, post } from '../api.js';
import {
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
  select,
  spinner,
  toast,
} from '../dom.js';
import { checkFields, clearFieldErrors, fieldErrors, liveFieldChecks } from '../form-errors.js';

const ROLES = ['admin', 'operator', 'viewer'];

function createForm(onCreated) {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const name = h('input', { name: 'name', maxlength: '120' });
  const role = select(
    { name: 'role' },
    ROLES.map((r) => [r, r]),
    // The least privileged role: a user is never made an admin without choosing it.
    'viewer',
  );
  const password = h('input', {
    type: 'password',
    name: 'password',
    required: true,
    minlength: '8',
    autocomplete: 'new-password',
  });
  const mustChange = h('input', { type: 'checkbox', name: 'mustChangePassword', checked: true });
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create user');
  const form = h(
    'form',
    {
      id: 'create-user-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          if (!checkFields(form)) return;
          void busy(
            submit,
            async () => {
              await post('/api/v1/users', {
                email: email.value.trim(),
                ...(name.value.trim() ? { name: name.value.trim() } : {}),
                role: role.value,
                password: password.value,
                mustChangePassword: mustChange.checked,
              });
              form.reset();
              clearFieldErrors(form);
              replace(out);
              toast('User created');
              onCreated();
            },
            (error) => fieldErrors(form, error),
          );
        },
      },
    },
    h(
      'div',
      { class: 'row g-2' },
      h('div', { class: 'col-md-4' }, field('Email', email)),
      h('div', { class: 'col-md-3' }, field('Name', name)),
      h('div', { class: 'col-md-2' }, field('Role', role)),
      h('div', { class: 'col-md-3' }, field('Initial password', password, '8 to 72 characters.')),
    ),
    field('Must choose a new password at the first login', mustChange),
    out,
    submit,
  );
  liveFieldChecks(form);
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'new-user-title' },
    h('div', { class: 'card-body' }, h('h2', { class: 'h5', id: 'new-user-title' }, 'New user'), form),
  );
}

export async function render(root, { user: me }) {
  const out = h('div', { 'aria-live': 'polite' });
  const rows = h('div', {}, spinner());
  const load = async () => {
    try {
      const users = await get('/api/v1/users');
      replace(
        rows,
        h(
          'div',
          { class: 'table-responsive' },
          h(
            'table',
            { class: 'table table-sm align-middle', id: 'users-table' },
            h('caption', { class: 'visually-hidden' }, 'Users'),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Email', 'Name', 'Role', 'State', 'Last login', 'Actions'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              users.map((u) => userRow(u)),
            ),
          ),
        ),
      );
    } catch (error) {
      replace(rows, errorBox(error));
    }
  };
  const userRow = (u) => {
    const role = select(
      { 'aria-label': `Role of ${u.email}`, class: 'form-select form-select-sm' },
      ROLES.map((r) => [r, r]),
      u.role,
    );
    role.addEventListener('change', async () => {
      const ok = await confirmAction(
        `Make ${u.email} ${role.value === 'admin' ? 'an' : 'a'} ${role.value}?`,
        'The new role applies to their very next request.',
        'Change role',
        'primary',
      );
      if (!ok) return (role.value = u.role);
      await busy(
        role,
        async () => {
          await patch(`/api/v1/users/${u.id}`, { role: role.value });
          toast('Role changed');
          await load();
        },
        (error) => {
          role.value = u.role;
          toast(error.message, 'danger');
        },
      );
    });
    const activeButton = h(
      'button',
      { type: 'button', class: `btn btn-sm ${u.active ? 'btn-outline-danger' : 'btn-outline-success'}` },
      u.active ? 'Deactivate' : 'Reactivate',
    );
    activeButton.addEventListener('click', async () => {
      if (
        u.active &&
        !(await confirmAction(
          `Deactivate ${u.email}?`,
          'They are logged out at once and cannot log in until reactivated.',
          'Deactivate',
        ))
      )
        return;
      await busy(activeButton, async () => {
        await patch(`/api/v1/users/${u.id}`, { active: !u.active });
        toast(u.active ? 'User deactivated' : 'User reactivated');
        await load();
      });
    });
    const resetButton = h(
      'button',
      { type: 'button', class: 'btn btn-sm btn-outline-secondary' },
      'Reset password',
    );
    resetButton.addEventListener('click', async () => {
      if (
        !(await confirmAction(
          `Reset the password of ${u.email}?`,
          'A temporary password is generated and shown once; they must change it at the next login, and their logins end now.',
          'Reset',
          'warning',
        ))
      )
        return;
      await busy(resetButton, async () => {
        const { temporaryPassword } = await post(`/api/v1/users/${u.id}/reset-password`, {});
        replace(out, secretOnce(`Temporary password of ${u.email}`, temporaryPassword));
      });
    });
    return h(
      'tr',
      { dataset: { userEmail: u.email } },
      h('td', {}, u.email, u.id === me.id && h('span', { class: 'badge text-bg-info ms-2' }, 'you')),
      h('td', {}, u.name ?? ''),
      h('td', { style: { minWidth: '8rem' } }, role),
      h(
        'td',
        {},
        badge(u.active ? 'active' : 'inactive'),
        u.mustChangePassword && h('span', { class: 'badge text-bg-warning ms-1' }, 'must change password'),
      ),
      h('td', { class: 'small' }, formatDate(u.lastLoginAt)),
      h('td', {}, h('div', { class: 'd-flex flex-wrap gap-1' }, activeButton, resetButton)),
    );
  };
  append(root, pageHeader('Users'), createForm(load), out, rows);
  await load();
}
