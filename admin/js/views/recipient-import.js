/* A recipient list's CSV import: the upload with its progress, and the report of what was imported. */
import { upload } from '../api.js';
import { busy, errorBox, field, formatNumber, h, replace } from '../dom.js';
import { fieldErrors, markField } from '../form-errors.js';

const listPath = (id, rest = '') => `/api/v1/recipient-lists/${id}${rest}`;

function progressBar() {
  const bar = h('div', { class: 'progress-bar bg-success', style: { width: '0%' } });
  const el = h(
    'div',
    {
      class: 'progress mb-2',
      role: 'progressbar',
      'aria-label': 'Upload progress',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': '0',
      id: 'upload-progress',
    },
    bar,
  );
  el.set = (fraction, label) => {
    const percent = Math.round(fraction * 100);
    bar.style.width = `${percent}%`;
    bar.textContent = label ?? `${percent}%`;
    el.setAttribute('aria-valuenow', String(percent));
  };
  return el;
}

/** "Imported 47 of 50 rows; 3 refused (lines 4, 9, 12)": the heading of the import report. */
export function importHeadline(report) {
  const imported = report.rows - report.invalid;
  if (report.invalid === 0) return `Imported all ${formatNumber(report.rows)} rows`;
  const lines = report.invalidRows.map((r) => r.line);
  const more = report.invalid - lines.length;
  const where = lines.length
    ? ` (${lines.length === 1 ? 'line' : 'lines'} ${lines.join(', ')}${more > 0 ? ` and ${formatNumber(more)} more` : ''})`
    : '';
  return `Imported ${formatNumber(imported)} of ${formatNumber(report.rows)} rows; ${formatNumber(report.invalid)} refused${where}`;
}

/** The import report: counts, and the rows that were refused with their line number in the file. */
function importReport(report) {
  const count = (label, value, key) =>
    h(
      'li',
      { class: 'list-inline-item me-3' },
      h('span', { class: 'fw-semibold', dataset: { report: key } }, formatNumber(value)),
      ` ${label}`,
    );
  return h(
    'div',
    {
      class: `alert ${report.invalid > 0 ? 'alert-warning' : 'alert-success'}`,
      id: 'import-report',
      role: 'status',
    },
    h('h3', { class: 'h6', dataset: { importHeadline: '' } }, importHeadline(report)),
    h(
      'ul',
      { class: 'list-inline mb-2' },
      count('added', report.added, 'added'),
      count('updated', report.updated, 'updated'),
      count('duplicates merged', report.duplicates, 'duplicates'),
      count('invalid', report.invalid, 'invalid'),
      count('recipients in the list now', report.recipients, 'recipients'),
    ),
    report.invalidRows.length > 0 &&
      h(
        'div',
        { class: 'table-responsive' },
        h(
          'table',
          { class: 'table table-sm mb-0', id: 'invalid-rows' },
          h('caption', { class: 'caption-top' }, 'Rows not imported'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Line'),
              h('th', { scope: 'col' }, 'Phone'),
              h('th', { scope: 'col' }, 'Reason'),
            ),
          ),
          h(
            'tbody',
            {},
            report.invalidRows.map((r) =>
              h(
                'tr',
                {},
                h('td', { dataset: { line: String(r.line) } }, String(r.line)),
                h('td', {}, r.phone),
                h('td', {}, r.reason),
              ),
            ),
          ),
        ),
      ),
    report.invalidRowsTruncated &&
      h(
        'p',
        { class: 'small mb-0 mt-2' },
        `Only the first ${report.invalidRows.length} invalid rows are listed.`,
      ),
  );
}

export function importCard(list, onImported) {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true });
  const progress = progressBar();
  progress.hidden = true;
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Upload CSV');
  const form = h(
    'form',
    {
      id: 'import-form',
      on: {
        submit: async (event) => {
          event.preventDefault();
          if (!file.files?.[0]) return markField(file, 'Choose a CSV file first.');
          const body = new FormData();
          body.append('file', file.files[0]);
          progress.hidden = false;
          progress.set(0);
          replace(out);
          await busy(
            submit,
            async () => {
              const report = await upload(listPath(list.id, '/import'), body, (fraction) =>
                progress.set(fraction, fraction < 1 ? undefined : 'Uploaded; importing…'),
              );
              progress.set(1, 'Done');
              replace(out, importReport(report));
              form.reset();
              onImported();
            },
            (error) => {
              progress.hidden = true;
              if (error.details?.length) fieldErrors(form, error);
              else replace(out, errorBox(error));
            },
          );
        },
      },
    },
    field(
      'CSV file',
      file,
      'Columns: phone (required), name, and any other column becomes a template variable.',
    ),
    progress,
    submit,
  );
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'import-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'import-title' }, 'Import recipients'),
      form,
      h('div', { class: 'mt-3' }, out),
    ),
  );
}
