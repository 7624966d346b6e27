/* One recipient list: CSV import with upload progress and its report, export, recipients page by page. */
import { del, download, get, post } from '../api.js';
import {
  alertBox,
  append,
  busy,
  confirmAction,
  errorBox,
  field,
  formatNumber,
  h,
  pageHeader,
  pager,
  replace,
  spinner,
  toast,
} from '../dom.js';
import { checkFields, clearFieldErrors, fieldErrors, liveFieldChecks } from '../form-errors.js';
import { canOperate } from '../roles.js';
import { link } from '../router.js';
import { importCard } from './recipient-import.js';

const listPath = (id, rest = '') => `/api/v1/recipient-lists/${id}${rest}`;

function addCard(list, onAdded) {
  const phone = h('input', {
    name: 'phone',
    required: true,
    inputmode: 'tel',
    placeholder: 'e.g. +62 812-3456-7890',
  });
  const name = h('input', { name: 'name', maxlength: '120' });
  const variables = h('textarea', {
    name: 'variables',
    rows: '2',
    placeholder: 'e.g. city=Bandung\ncode=A-17',
  });
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-outline-primary' }, 'Add recipient');
  const form = h(
    'form',
    {
      id: 'add-recipient-form',
      on: {
        submit: async (event) => {
          event.preventDefault();
          if (!checkFields(form)) return;
          const vars = Object.fromEntries(
            variables.value
              .split('\n')
              .map((line) => line.split('='))
              .filter(([key, ...rest]) => key.trim() && rest.length > 0)
              .map(([key, ...rest]) => [key.trim(), rest.join('=').trim()]),
          );
          await busy(
            submit,
            async () => {
              await post(listPath(list.id, '/recipients'), {
                phone: phone.value.trim(),
                ...(name.value.trim() ? { name: name.value.trim() } : {}),
                ...(Object.keys(vars).length ? { variables: vars } : {}),
              });
              form.reset();
              clearFieldErrors(form);
              replace(out);
              toast('Recipient added');
              onAdded();
            },
            (error) => fieldErrors(form, error),
          );
        },
      },
    },
    h(
      'div',
      { class: 'row g-2' },
      h('div', { class: 'col-md-4' }, field('Phone', phone)),
      h('div', { class: 'col-md-4' }, field('Name', name)),
      h('div', { class: 'col-md-4' }, field('Variables (one name=value a line)', variables)),
    ),
    out,
    submit,
  );
  liveFieldChecks(form);
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'add-title' },
    h('div', { class: 'card-body' }, h('h2', { class: 'h5', id: 'add-title' }, 'Add one recipient'), form),
  );
}

export async function render(root, { params, user, navigate }) {
  const operator = canOperate(user);
  const id = Number(params.id);
  let list;
  try {
    list = await get(listPath(id));
  } catch (error) {
    return append(root, pageHeader('Recipient list'), errorBox(error));
  }
  const size = h(
    'span',
    { class: 'badge text-bg-light border', id: 'list-size' },
    `${formatNumber(list.recipientCount)} recipients`,
  );
  const exportButton = h(
    'button',
    { type: 'button', class: 'btn btn-outline-secondary btn-sm' },
    'Export CSV',
  );
  exportButton.addEventListener('click', () =>
    busy(exportButton, async () => toast(`Downloaded ${await download(listPath(id, '/export'))}`)),
  );
  const deleteButton = h('button', { type: 'button', class: 'btn btn-outline-danger btn-sm' }, 'Delete list');
  deleteButton.addEventListener('click', async () => {
    if (
      !(await confirmAction(
        `Delete the list "${list.name}"?`,
        `Its ${list.recipientCount} recipients are deleted too. This cannot be undone.`,
        'Delete',
      ))
    )
      return;
    await busy(deleteButton, async () => {
      await del(listPath(id));
      toast('List deleted');
      navigate('/recipients', { replace: true });
    });
  });

  const search = h('input', { type: 'search', name: 'search', placeholder: 'Phone, name or a value' });
  const rows = h('div', {}, spinner());
  let page = 1;
  const load = async () => {
    try {
      const [{ items, pagination }, fresh] = await Promise.all([
        get(listPath(id, '/recipients'), { search: search.value.trim(), page, limit: 50 }),
        get(listPath(id)),
      ]);
      size.textContent = `${formatNumber(fresh.recipientCount)} recipients`;
      const removeButton = (r) =>
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-sm btn-outline-danger',
            'aria-label': `Remove ${r.phone}`,
            on: {
              click: async (event) => {
                const button = event.currentTarget;
                if (!(await confirmAction('Remove this recipient?', `${r.phone} leaves the list.`, 'Remove')))
                  return;
                await busy(button, async () => {
                  await del(listPath(id, `/recipients/${r.id}`));
                  await load();
                });
              },
            },
          },
          'Remove',
        );
      replace(
        rows,
        items.length === 0
          ? alertBox(
              'info',
              search.value
                ? 'No recipient matches.'
                : 'This list is empty: import a CSV file or add recipients.',
            )
          : h(
              'div',
              { class: 'table-responsive' },
              h(
                'table',
                { class: 'table table-sm align-middle', id: 'recipients-table' },
                h('caption', { class: 'visually-hidden' }, 'Recipients'),
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ['Phone', 'Name', 'Variables', ...(operator ? [''] : [])].map((t) =>
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
                      h('td', { dataset: { recipientName: '' } }, r.name ?? ''),
                      h(
                        'td',
                        { class: 'small' },
                        Object.entries(r.variables ?? {}).map(([k, v]) =>
                          h('span', { class: 'badge text-bg-light border me-1 text-wrap' }, `${k}: ${v}`),
                        ),
                      ),
                      operator && h('td', {}, removeButton(r)),
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

  append(
    root,
    pageHeader(
      list.name,
      size,
      operator &&
        h(
          'a',
          { class: 'btn btn-outline-primary btn-sm', href: link(`/campaigns/new?list=${id}`) },
          'New campaign to this list',
        ),
      operator && exportButton,
      operator && deleteButton,
    ),
    list.description && h('p', { class: 'text-secondary' }, list.description),
    h('p', {}, h('a', { href: link('/recipients') }, '‹ All lists')),
    operator &&
      h(
        'div',
        { class: 'row g-3' },
        h('div', { class: 'col-lg-6' }, importCard(list, load)),
        h('div', { class: 'col-lg-6' }, addCard(list, load)),
      ),
    h(
      'section',
      { 'aria-labelledby': 'recipients-title' },
      h('h2', { class: 'h5', id: 'recipients-title' }, 'Recipients'),
      h(
        'form',
        {
          class: 'd-flex gap-2 mb-2',
          role: 'search',
          on: { submit: (e) => (e.preventDefault(), (page = 1), void load()) },
        },
        h('label', { class: 'visually-hidden', for: 'recipient-search' }, 'Search recipients'),
        Object.assign(search, { id: 'recipient-search', className: 'form-control' }),
        h('button', { type: 'submit', class: 'btn btn-outline-secondary' }, 'Search'),
      ),
      rows,
    ),
  );
  await load();
}
