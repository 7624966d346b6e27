/* Campaigns: the list with live progress; filters by status and session. */
import { get } from '../api.js';
import {
  alertBox,
  append,
  badge,
  errorBox,
  field,
  formatDate,
  h,
  pageHeader,
  pager,
  replace,
  select,
  setBadge,
  spinner,
} from '../dom.js';
import * as live from '../live.js';
import { canOperate } from '../roles.js';
import { link } from '../router.js';
import { campaignMiniBar, outcomes } from './campaign-parts.js';

const STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'];

const miniProgress = (c) => campaignMiniBar(c.name, c.counts);

export async function render(root, { user, query, navigate, onCleanup }) {
  const status = select(
    { name: 'status' },
    [['', 'any'], ...STATUSES.map((s) => [s, s])],
    query.get('status'),
  );
  const results = h('div', {}, spinner());
  append(
    root,
    pageHeader(
      'Campaigns',
      canOperate(user) && h('a', { class: 'btn btn-primary', href: link('/campaigns/new') }, 'New campaign'),
    ),
    h(
      'form',
      {
        class: 'row g-2 align-items-end mb-3',
        on: {
          submit: (e) => (
            e.preventDefault(),
            navigate(`/campaigns${status.value ? `?status=${status.value}` : ''}`, {
              state: { focus: false },
            })
          ),
        },
      },
      h('div', { class: 'col-auto' }, field('Status', status)),
      h(
        'div',
        { class: 'col-auto mb-3' },
        h('button', { type: 'submit', class: 'btn btn-outline-secondary' }, 'Filter'),
      ),
    ),
    results,
  );

  let page = Number(query.get('page') ?? 1);
  const rowsById = new Map();
  const load = async () => {
    try {
      const { items, pagination } = await get('/api/v1/campaigns', {
        status: query.get('status'),
        page,
        limit: 25,
      });
      rowsById.clear();
      if (items.length === 0) return replace(results, alertBox('info', 'No campaigns yet.'));
      replace(
        results,
        h(
          'div',
          { class: 'table-responsive' },
          h(
            'table',
            { class: 'table table-sm align-middle', id: 'campaigns-table' },
            h('caption', { class: 'visually-hidden' }, 'Campaigns'),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Name', 'Session', 'Status', 'Progress', 'Recipients', 'Created'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              items.map((c) => {
                const statusBadge = badge(c.status);
                const progressCell = h('td', {}, miniProgress(c));
                rowsById.set(c.id, { c, statusBadge, progressCell });
                return h(
                  'tr',
                  { dataset: { campaignId: String(c.id) } },
                  h('td', {}, h('a', { href: link(`/campaigns/${c.id}`) }, c.name)),
                  h('td', { class: 'font-monospace small' }, c.sessionId),
                  h('td', {}, statusBadge),
                  progressCell,
                  h('td', {}, String(c.counts.total)),
                  h('td', { class: 'small' }, formatDate(c.createdAt)),
                );
              }),
            ),
          ),
        ),
        pager({
          page: pagination.page,
          pages: pagination.pages,
          onPage: (p) => ((page = p), void load()),
          label: 'Campaign pages',
        }),
      );
    } catch (error) {
      replace(results, errorBox(error));
    }
  };
  onCleanup(
    live.on('campaign.progress', (event) => {
      const row = rowsById.get(event.campaignId);
      if (!row) return;
      setBadge(row.statusBadge, event.status);
      replace(
        row.progressCell,
        campaignMiniBar(row.c.name, { total: event.total, ...outcomes(event.counts) }),
      );
    }),
  );
  onCleanup(live.on('resync', load));
  await load();
}
