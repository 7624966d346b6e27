/* Log in with email and password; or, when the gateway allows it, with the legacy dashboard password. */
import * as auth from '../auth.js';
import { alertBox, append, field, h, replace } from '../dom.js';
import { checkFields, fieldErrors, liveFieldChecks } from '../form-errors.js';

const messageOf = (error) => {
  if (error.status === 401) return 'Invalid email or password.';
  if (error.status === 404) return 'The dashboard password login is not enabled on this gateway.';
  if (error.status === 429) return 'Too many attempts; wait a minute and try again.';
  return error.message;
};

function form({ id, title, fields, submitLabel, onSubmit }) {
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary w-100' }, submitLabel);
  const el = h(
    'form',
    {
      id,
      novalidate: true,
      on: {
        submit: async (event) => {
          event.preventDefault();
          replace(status);
          // An empty or malformed field is named beside it, before anything is sent.
          if (!checkFields(el)) return;
          submit.disabled = true;
          try {
            await onSubmit();
          } catch (error) {
            if (error.status === 400 && Array.isArray(error.details)) fieldErrors(el, error);
            else replace(status, alertBox('danger', messageOf(error)));
          } finally {
            submit.disabled = false;
          }
        },
      },
    },
    title && h('h2', { class: 'h5 mb-3' }, title),
    fields,
    status,
    submit,
  );
  return liveFieldChecks(el);
}

export function render(root, { gateway }) {
  const email = h('input', {
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    required: true,
    autofocus: true,
  });
  const password = h('input', {
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const legacyPassword = h('input', {
    type: 'password',
    name: 'dashboard-password',
    autocomplete: 'current-password',
    required: true,
  });

  append(
    root,
    h(
      'div',
      { class: 'row justify-content-center mt-md-5' },
      h(
        'div',
        { class: 'col-sm-10 col-md-6 col-lg-4' },
        h('h1', { class: 'h3 mb-4 text-center', tabindex: '-1' }, 'WhatsApp Gateway'),
        h(
          'div',
          { class: 'card shadow-sm' },
          h(
            'div',
            { class: 'card-body' },
            form({
              id: 'login-form',
              title: 'Log in',
              fields: [field('Email', email), field('Password', password)],
              submitLabel: 'Log in',
              onSubmit: () => auth.login(email.value.trim(), password.value),
            }),
          ),
        ),
        gateway.legacyLogin &&
          h(
            'details',
            { class: 'card mt-3' },
            h('summary', { class: 'card-header' }, 'Log in with the dashboard password'),
            h(
              'div',
              { class: 'card-body' },
              h(
                'p',
                { class: 'small text-secondary' },
                'The older single password (ADMIN_DASHBOARD_PASSWORD). Personal accounts are better.',
              ),
              form({
                id: 'legacy-login-form',
                fields: [field('Dashboard password', legacyPassword)],
                submitLabel: 'Log in',
                onSubmit: () => auth.dashboardLogin(legacyPassword.value),
              }),
            ),
          ),
      ),
    ),
  );
}
