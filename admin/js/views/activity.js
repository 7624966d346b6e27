/* The audit log (admins only): filters, pages, CSV export with the same filters. */
import { download, get } from '../api.js';
import {
  append,
  busy,
  errorBox,
  field,
  foldingFilters,
  formatDate,
  h,
  pageHeader,
  pager,
  replace,
  spinner,
  table,
  toast,
} from '../dom.js';

const toIso = (value) => (value ? new Date(value).toISOString() : '');

export async function render(root) {
  const actor = h('input', { name: 'actor', placeholder: 'admin@example.com' });
  const action = h('input', { name: 'action', placeholder: 'auth.* or session.created' });
  const targetType = h('input', { name: 'targetType', placeholder: 'session' });
  const targetId = h('input', { name: 'targetId' });
  const from = h('input', { type: 'datetime-local', name: 'from' });
  const to = h('input', { type: 'datetime-local', name: 'to' });
  const rows = h('div', {}, spinner());
  let page = 1;
  const filters = () => ({
    actor: actor.value.trim(),
    action: action.value.trim(),
    targetType: targetType.value.trim(),
    targetId: targetId.value.trim(),
    from: toIso(from.value),
    to: toIso(to.value),
  });

  const load = async () => {
    try {
      const { items, pagination } = await get('/api/v1/activity', { ...filters(), page, limit: 50 });
      replace(
        rows,
        table(
          [
            ['Time', (r) => h('span', { class: 'small text-nowrap' }, formatDate(r.createdAt))],
            ['Who', (r) => r.actorLabel],
            ['Action', (r) => h('code', {}, r.action)],
            ['Target', (r) => (r.targetType ? `${r.targetType} ${r.targetId ?? ''}` : '')],
            ['IP', (r) => r.ip ?? ''],
            [
              'Details',
              (r) => (r.metadata ? h('code', { class: 'small text-break' }, JSON.stringify(r.metadata)) : ''),
            ],
          ],
          items,
          { caption: 'Activity, newest first', empty: 'Nothing matches these filters.' },
        ),
        pager({
          page: pagination.page,
          pages: pagination.pages,
          onPage: (p) => ((page = p), void load()),
          label: 'Activity pages',
        }),
      );
      rows.querySelector('caption')?.classList.add('visually-hidden');
    } catch (error) {
      replace(rows, errorBox(error));
    }
  };
  const exportButton = h('button', { type: 'button', class: 'btn btn-outline-secondary' }, 'Export CSV');
  exportButton.addEventListener('click', () =>
    busy(exportButton, async () =>
      toast(`Downloaded ${await download('/api/v1/activity/export', filters(), 'activity.csv')}`),
    ),
  );

  append(
    root,
    pageHeader('Activity', exportButton),
    foldingFilters(
      h(
        'form',
        {
          id: 'activity-filters',
          class: 'card card-body mb-3',
          on: { submit: (e) => (e.preventDefault(), (page = 1), void load()) },
        },
        h(
          'div',
          { class: 'row g-2 align-items-end' },
          h('div', { class: 'col-sm-6 col-lg-4' }, field('Who (part of the name)', actor)),
          h('div', { class: 'col-sm-6 col-lg-4' }, field('Action (a name, or a family: auth.*)', action)),
          h('div', { class: 'col-sm-6 col-lg-2' }, field('Target type', targetType)),
          h('div', { class: 'col-sm-6 col-lg-2' }, field('Target id', targetId)),
          h('div', { class: 'col-sm-6 col-lg-4' }, field('From', from)),
          h('div', { class: 'col-sm-6 col-lg-4' }, field('To', to)),
          h(
            'div',
            { class: 'col-lg-4 mb-3' },
            h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply filters'),
          ),
        ),
      ),
      { active: () => Object.values(filters()).filter(Boolean).length },
    ),
    rows,
  );
  await load();
}
