/*
 * Webhook deliveries: filtered by status, event and session, page by page; a delivery's details;
 * the dead letters retried one by one or all at once.
 */
import { get, post } from '../api.js';
import {
  badge,
  busy,
  confirmAction,
  errorBox,
  field,
  foldingFilters,
  formatDate,
  h,
  modal,
  pager,
  replace,
  select,
  spinner,
  toast,
} from '../dom.js';
import { WEBHOOK_EVENTS } from './webhook-parts.js';

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

/** The card; `sessions` fill the session filter. */
export function deliveriesCard(sessions) {
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
