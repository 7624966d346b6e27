/* Recipient lists: every list with its size; create one. */
import { get, post } from '../api.js';
import {
  alertBox,
  append,
  errorBox,
  field,
  formatDate,
  formatNumber,
  h,
  pageHeader,
  replace,
  spinner,
  table,
} from '../dom.js';
import { checkFields, fieldErrors, liveFieldChecks } from '../form-errors.js';
import { canOperate } from '../roles.js';
import { link } from '../router.js';

export async function render(root, { user, navigate }) {
  const listBox = h('div', {}, spinner());
  const name = h('input', {
    name: 'list-name',
    required: true,
    maxlength: '120',
    placeholder: 'e.g. Customers Jakarta',
  });
  const description = h('input', { name: 'list-description', maxlength: '500' });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create list');
  const form =
    canOperate(user) &&
    h(
      'form',
      {
        id: 'create-list-form',
        class: 'card card-body mb-4',
        on: {
          submit: async (event) => {
            event.preventDefault();
            if (!checkFields(form)) return;
            submit.disabled = true;
            try {
              const list = await post('/api/v1/recipient-lists', {
                name: name.value.trim(),
                ...(description.value.trim() ? { description: description.value.trim() } : {}),
              });
              navigate(`/recipients/${list.id}`);
            } catch (error) {
              fieldErrors(form, error, { names: { name: 'list-name', description: 'list-description' } });
            } finally {
              submit.disabled = false;
            }
          },
        },
      },
      h('h2', { class: 'h5' }, 'New list'),
      h(
        'div',
        { class: 'row g-2 align-items-end' },
        h('div', { class: 'col-md-4' }, field('Name', name)),
        h('div', { class: 'col-md-5' }, field('Description (optional)', description)),
        h('div', { class: 'col-md-3 mb-3' }, submit),
      ),
      status,
    );
  if (form) liveFieldChecks(form);
  append(root, pageHeader('Recipient lists'), form, listBox);
  try {
    const lists = await get('/api/v1/recipient-lists');
    replace(
      listBox,
      lists.length === 0
        ? alertBox('info', 'No recipient lists yet.')
        : table(
            [
              ['Name', (l) => h('a', { href: link(`/recipients/${l.id}`) }, l.name)],
              ['Description', (l) => l.description ?? ''],
              ['Recipients', (l) => formatNumber(l.recipientCount)],
              ['Updated', (l) => formatDate(l.updatedAt)],
            ],
            lists,
            { caption: 'Recipient lists' },
          ),
    );
  } catch (error) {
    replace(listBox, errorBox(error));
  }
}
