/* A campaign page's recipients: each one's status, attempts and times, by status, page by page, live. */
import { get } from '../api.js';
import { badge, errorBox, formatDate, h, pager, replace, select, spinner, throttle } from '../dom.js';
import * as live from '../live.js';
import { campaignPath, RECIPIENT_STATUSES } from './campaign-parts.js';

/** The table, read again (at most every 2 s) as progress is pushed; `onCleanup` takes the unsubscribe. */
export function recipientsCard(c, onCleanup) {
  const status = select(
    { name: 'recipient-status', class: 'form-select w-auto', 'aria-label': 'Show recipients with status' },
    [['', 'all'], ...RECIPIENT_STATUSES.map((s) => [s, s])],
  );
  const rows = h('div', {}, spinner());
  let page = 1;
  const load = async () => {
    try {
      const { items, pagination } = await get(campaignPath(c.id, '/recipients'), {
        status: status.value,
        page,
        limit: 50,
      });
      replace(
        rows,
        items.length === 0
          ? h(
              'p',
              { class: 'text-secondary' },
              c.status === 'draft' || c.status === 'scheduled'
                ? 'Recipients are taken from the lists when the campaign starts.'
                : 'No recipients with this status.',
            )
          : h(
              'div',
              { class: 'table-responsive' },
              h(
                'table',
                { class: 'table table-sm align-middle', id: 'campaign-recipients' },
                h('caption', { class: 'visually-hidden' }, 'Recipients of this campaign'),
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ['Phone', 'Name', 'Status', 'Attempts', 'Sent', 'Delivered', 'Read', 'Error'].map((t) =>
                      h('th', { scope: 'col' }, t),
                    ),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  items.map((r) =>
                    h(
                      'tr',
                      {},
                      h('td', { class: 'font-monospace small' }, r.phone),
                      h('td', {}, r.name ?? ''),
                      h('td', {}, badge(r.status)),
                      h('td', {}, String(r.attempts)),
                      h('td', { class: 'small' }, formatDate(r.sentAt)),
                      h('td', { class: 'small' }, formatDate(r.deliveredAt)),
                      h('td', { class: 'small' }, formatDate(r.readAt)),
                      h('td', { class: 'small text-danger' }, r.error ?? ''),
                    ),
                  ),
                ),
              ),
            ),
        pager({
          page: pagination.page,
          pages: pagination.pages,
          onPage: (p) => ((page = p), void load()),
          label: 'Recipient pages',
        }),
      );
    } catch (error) {
      replace(rows, errorBox(error));
    }
  };
  status.addEventListener('change', () => ((page = 1), void load()));
  const refresh = throttle(() => void load(), 2000);
  onCleanup(live.on('campaign.progress', (e) => e.campaignId === c.id && refresh()));
  void load();
  return h(
    'section',
    { 'aria-labelledby': 'recipients-title' },
    h(
      'div',
      { class: 'd-flex flex-wrap gap-2 align-items-center mb-2' },
      h('h2', { class: 'h5 mb-0 me-auto', id: 'recipients-title' }, 'Recipients'),
      status,
    ),
    rows,
  );
}
