/* Webhooks: the global config (and its signing secret), a test send, deliveries with dead letters and retry. */
import { get, post, put } from '../api.js';
import { checkFields, clearFieldErrors, fieldErrors, liveFieldChecks } from '../form-errors.js';
import {
  alertBox,
  append,
  badge,
  busy,
  confirmAction,
  errorBox,
  field,
  foldingFilters,
  formatDate,
  h,
  modal,
  pageHeader,
  pager,
  replace,
  secretOnce,
  select,
  spinner,
  toast,
} from '../dom.js';
import { currentUser } from '../auth.js';
import { isAdmin } from '../roles.js';
import { brokerOutputsCard } from './broker-outputs.js';
import { eventChoices, testButton, WEBHOOK_EVENTS } from './webhook-parts.js';

function configCard(config) {
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

async function showDelivery(ref) {
  const d = await get(`/api/v1/webhooks/deliveries/${encodeURIComponent(ref)}`);
  await modal({
    title: `Delivery ${d.deliveryId}`,
    size: 'lg',
    body: h(
      'div',
      {},
      h(
        'dl',
        { class: 'row small' },
        [
          ['Event', d.event],
          ['Session', d.sessionId ?? '—'],
          ['Target', d.targetUrl],
          ['Status', d.status],
          ['Attempts', String(d.attempts)],
          ['Last answer', d.lastStatusCode === null ? '—' : String(d.lastStatusCode)],
          ['Last error', d.lastError ?? '—'],
          ['Created', formatDate(d.createdAt)],
          ['Delivered', formatDate(d.deliveredAt)],
        ].map(([k, v]) => [h('dt', { class: 'col-sm-3' }, k), h('dd', { class: 'col-sm-9 text-break' }, v)]),
      ),
      h('h3', { class: 'h6' }, 'Payload'),
      h('pre', { class: 'payload bg-body-tertiary p-2 rounded small' }, JSON.stringify(d.payload, null, 2)),
    ),
  });
}

function deliveriesCard(sessions) {
  const status = select({ name: 'delivery-status' }, [
    ['', 'any'],
    ['pending', 'pending'],
    ['delivered', 'delivered'],
    ['dead', 'dead (dead letters)'],
  ]);
  const event = select({ name: 'delivery-event' }, [['', 'any'], ...WEBHOOK_EVENTS.map((e) => [e, e])]);
  const session = select({ name: 'delivery-session' }, [['', 'any'], ...sessions.map((s) => [s.id, s.id])]);
  const rows = h('div', {}, spinner());
  const limit = 50;
  let offset = 0;
  const retryDead = h('button', { type: 'button', class: 'btn btn-outline-danger' }, 'Retry all dead');
  retryDead.addEventListener('click', async () => {
    if (
      !(await confirmAction(
        'Send every dead delivery again?',
        'Each gets a fresh retry budget (filtered by the session and event chosen above).',
        'Retry all',
        'warning',
      ))
    )
      return;
    await busy(retryDead, async () => {
      const { retried } = await post('/api/v1/webhooks/deliveries/retry-dead', {
        ...(session.value ? { sessionId: session.value } : {}),
        ...(event.value ? { event: event.value } : {}),
      });
      toast(`${retried} deliveries queued again`);
      await load();
    });
  });
  const load = async () => {
    try {
      const { deliveries, pagination } = await get('/api/v1/webhooks/deliveries', {
        status: status.value,
        event: event.value,
        sessionId: session.value,
        limit,
        offset,
      });
      const retryButton = (d) =>
        d.status === 'dead' &&
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-sm btn-outline-primary',
            on: {
              click: (e) =>
                busy(e.currentTarget, async () => {
                  await post(`/api/v1/webhooks/deliveries/${d.id}/retry`);
                  toast('Delivery queued again');
                  await load();
                }),
            },
          },
          'Retry',
        );
      replace(
        rows,
        deliveries.length === 0
          ? h('p', { class: 'text-secondary' }, 'No deliveries match.')
          : h(
              'div',
              { class: 'table-responsive' },
              h(
                'table',
                { class: 'table table-sm align-middle', id: 'deliveries-table' },
                h('caption', { class: 'visually-hidden' }, 'Webhook deliveries'),
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ['Created', 'Event', 'Session', 'Status', 'Attempts', 'Last answer', '', ''].map((t) =>
                      h('th', { scope: 'col' }, t),
                    ),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  deliveries.map((d) =>
                    h(
                      'tr',
                      {},
                      h('td', { class: 'small text-nowrap' }, formatDate(d.createdAt)),
                      h('td', { class: 'font-monospace small' }, d.event),
                      h('td', { class: 'small' }, d.sessionId ?? '—'),
                      h('td', {}, badge(d.status)),
                      h('td', {}, String(d.attempts)),
                      h(
                        'td',
                        { class: 'small text-break' },
                        d.lastStatusCode !== null ? String(d.lastStatusCode) : (d.lastError ?? '—'),
                      ),
                      h(
                        'td',
                        {},
                        h(
                          'button',
                          {
                            type: 'button',
                            class: 'btn btn-sm btn-link',
                            on: { click: () => showDelivery(d.id).catch((e) => toast(e.message, 'danger')) },
                          },
                          'Details',
                        ),
                      ),
                      h('td', {}, retryButton(d)),
                    ),
                  ),
                ),
              ),
            ),
        pager({
          page: Math.floor(offset / limit) + 1,
          pages: Math.ceil(pagination.total / limit),
          onPage: (p) => ((offset = (p - 1) * limit), void load()),
          label: 'Delivery pages',
        }),
      );
    } catch (error) {
      replace(rows, errorBox(error));
    }
  };
  for (const control of [status, event, session])
    control.addEventListener('change', () => ((offset = 0), void load()));
  void load();
  return h(
    'section',
    { class: 'card', id: 'deliveries-card', 'aria-labelledby': 'deliveries-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'deliveries-title' }, 'Deliveries'),
      foldingFilters(
        h(
          'div',
          { class: 'row g-2 align-items-end', id: 'delivery-filters' },
          h('div', { class: 'col-sm-4 col-lg-3' }, field('Status', status)),
          h('div', { class: 'col-sm-4 col-lg-3' }, field('Event', event)),
          h('div', { class: 'col-sm-4 col-lg-3' }, field('Session', session)),
          h(
            'div',
            { class: 'col-lg-3 mb-3 d-flex gap-2' },
            h(
              'button',
              { type: 'button', class: 'btn btn-outline-secondary', on: { click: () => load() } },
              'Refresh',
            ),
            retryDead,
          ),
        ),
        { active: () => [status, event, session].filter((c) => c.value).length },
      ),
      rows,
    ),
  );
}

export async function render(root) {
  append(root, pageHeader('Webhooks'), spinner());
  const [config, sessions, brokers] = await Promise.all([
    get('/api/v1/webhooks/config'),
    get('/api/v1/sessions'),
    get('/api/v1/webhooks/brokers'),
  ]);
  root.lastChild.remove();
  append(
    root,
    configCard(config),
    brokerOutputsCard(brokers, isAdmin(currentUser())),
    deliveriesCard(sessions),
  );
}
