/* The global webhook: URL, timeout, retries and events, a test send, its signing secret's fingerprint. */
import { put } from '../api.js';
import { alertBox, busy, confirmAction, field, h, replace, secretOnce } from '../dom.js';
import { checkFields, clearFieldErrors, fieldErrors, liveFieldChecks } from '../form-errors.js';
import { eventChoices, testButton } from './webhook-parts.js';

/** The card, from GET /api/v1/webhooks/config; the secret is shown only once, when it is replaced. */
export function globalWebhookCard(config) {
  const url = h('input', {
    type: 'url',
    name: 'url',
    value: config.url ?? '',
    placeholder: 'e.g. https://example.com/hooks/whatsapp',
  });
  const timeout = h('input', {
    type: 'number',
    name: 'timeout',
    min: '100',
    max: '120000',
    value: String(config.timeout),
  });
  const maxRetries = h('input', {
    type: 'number',
    name: 'maxRetries',
    min: '0',
    max: '20',
    value: String(config.maxRetries),
  });
  const retryDelay = h('input', {
    type: 'number',
    name: 'retryDelay',
    min: '10',
    max: '3600000',
    value: String(config.retryDelay),
  });
  const events = eventChoices('Events sent to the global URL', [...config.events]);
  const out = h('div', { 'aria-live': 'polite' });
  const fingerprint = h('code', { id: 'webhook-secret-fingerprint' }, config.secret.fingerprint ?? 'none');
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save');
  const rotate = h('button', { type: 'button', class: 'btn btn-outline-warning' }, 'New signing secret');
  rotate.addEventListener('click', async () => {
    if (
      !(await confirmAction(
        'Replace the global signing secret?',
        'Receivers must check X-Signature with the new secret from now on.',
        'Replace',
        'warning',
      ))
    )
      return;
    await busy(rotate, async () => {
      const updated = await put('/api/v1/webhooks/config', { rotateSecret: true });
      fingerprint.textContent = updated.secret.fingerprint ?? 'none';
      replace(out, secretOnce('Global signing secret', updated.newSecret));
    });
  });
  const form = h(
    'form',
    {
      id: 'webhook-config-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          if (!checkFields(form)) return;
          void busy(
            save,
            async () => {
              const updated = await put('/api/v1/webhooks/config', {
                url: url.value.trim() || null,
                timeout: Number(timeout.value),
                maxRetries: Number(maxRetries.value),
                retryDelay: Number(retryDelay.value),
                events: events.selected(),
              });
              fingerprint.textContent = updated.secret.fingerprint ?? 'none';
              clearFieldErrors(form);
              replace(out, alertBox('success', 'Webhook settings saved.'));
            },
            (error) => fieldErrors(form, error),
          );
        },
      },
    },
    field('Global URL', url, 'Empty turns the global webhook off; sessions with an override keep theirs.'),
    h(
      'div',
      { class: 'row g-2' },
      h('div', { class: 'col-sm-4' }, field('Timeout (ms)', timeout)),
      h('div', { class: 'col-sm-4' }, field('Retries', maxRetries)),
      h('div', { class: 'col-sm-4' }, field('First retry after (ms)', retryDelay)),
    ),
    events,
    h(
      'p',
      { class: 'small text-secondary' },
      'Signing secret (X-Signature, HMAC-SHA256): fingerprint ',
      fingerprint,
      ` (${config.secret.source}).`,
    ),
    h(
      'div',
      { class: 'd-flex flex-wrap gap-2' },
      save,
      testButton(out, () => (url.value.trim() ? { url: url.value.trim() } : {})),
      rotate,
    ),
  );
  liveFieldChecks(form);
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'config-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'config-title' }, 'Global webhook'),
      form,
      h('div', { class: 'mt-3' }, out),
    ),
  );
}
