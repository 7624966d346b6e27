/*
 * Building the page: every element is made with h(), and every piece of text (names, messages,
 * anything a user or a contact typed) goes in as a text node. Nothing here parses HTML.
 */

/**
 * h('button', { class: 'btn', type: 'button', on: { click } }, 'Save') -> <button>.
 * Attributes: `class`, `dataset`, `on`, `style` (an object), boolean attributes as true/false,
 * anything else through setAttribute. Children: nodes, strings (as text), arrays, null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key === 'value' && 'value' in el) el.value = value;
    // As an attribute too: it is the default that form.reset() goes back to.
    else if (key === 'checked' || key === 'selected') {
      el.setAttribute(key, '');
      el[key] = true;
    } else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (nodes, text, nested arrays); null, undefined and false are skipped. */
export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces everything inside `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let idCounter = 0;
/** A unique element id, to tie labels to inputs. */
export const uid = (prefix = 'f') => `${prefix}-${++idCounter}`;

/** A labelled form field: `field('Name', h('input', {...}), 'help text')`. */
export function field(label, control, help) {
  const id = control.id || uid();
  control.id = id;
  const helpId = help ? `${id}-help` : null;
  if (helpId) control.setAttribute('aria-describedby', helpId);
  const isCheck = control.type === 'checkbox' || control.type === 'radio';
  if (isCheck) {
    control.classList.add('form-check-input');
    return h(
      'div',
      { class: 'form-check mb-2' },
      control,
      h('label', { class: 'form-check-label', for: id }, label),
      help && h('div', { class: 'form-text', id: helpId }, help),
    );
  }
  if (!control.classList.contains('form-select') && !control.classList.contains('form-control')) {
    control.classList.add(control.tagName === 'SELECT' ? 'form-select' : 'form-control');
  }
  return h(
    'div',
    { class: 'mb-3' },
    h('label', { class: 'form-label', for: id }, label),
    control,
    help && h('div', { class: 'form-text', id: helpId }, help),
  );
}

export const select = (props, options, selected) =>
  h(
    'select',
    { class: 'form-select', ...props },
    options.map(([value, label]) =>
      h('option', { value, selected: String(value) === String(selected ?? '') }, label),
    ),
  );

/** A page heading with optional actions on the right. */
export function pageHeader(title, ...actions) {
  return h(
    'div',
    { class: 'd-flex flex-wrap align-items-center gap-2 mb-3' },
    h('h1', { class: 'h3 mb-0 me-auto', tabindex: '-1' }, title),
    ...actions,
  );
}

export const spinner = (label = 'Loading…') =>
  h(
    'div',
    { class: 'd-flex align-items-center gap-2 text-secondary my-3', role: 'status' },
    h('span', { class: 'spinner-border spinner-border-sm', 'aria-hidden': 'true' }),
    h('span', {}, label),
  );

export const alertBox = (kind, ...content) =>
  h('div', { class: `alert alert-${kind}`, role: kind === 'danger' ? 'alert' : 'status' }, ...content);

/** An error as the user should read it: the API's message, and the field errors of a 400. */
export function errorBox(error) {
  const details = Array.isArray(error?.details) ? error.details : [];
  return alertBox(
    'danger',
    h('div', {}, error?.message ?? String(error)),
    details.length > 0 &&
      h(
        'ul',
        { class: 'mb-0 mt-2' },
        details.map((d) => h('li', {}, `${d.field}: ${[d.errors].flat().join(', ')}`)),
      ),
  );
}

const BADGE_CLASSES = {
  // sessions
  connected: 'text-bg-success',
  qr_pending: 'text-bg-warning',
  connecting: 'text-bg-info',
  disconnected: 'text-bg-secondary',
  logged_out: 'text-bg-dark',
  // campaigns
  draft: 'text-bg-secondary',
  scheduled: 'text-bg-info',
  running: 'text-bg-primary',
  paused: 'text-bg-warning',
  completed: 'text-bg-success',
  cancelled: 'text-bg-dark',
  // recipients, messages, deliveries
  pending: 'text-bg-light border',
  sending: 'text-bg-info',
  sent: 'text-bg-primary',
  delivered: 'text-bg-success',
  read: 'text-bg-success',
  played: 'text-bg-success',
  received: 'text-bg-light border',
  failed: 'text-bg-danger',
  skipped: 'text-bg-secondary',
  review: 'text-bg-warning',
  dead: 'text-bg-danger',
  // tokens, users
  active: 'text-bg-success',
  inactive: 'text-bg-secondary',
  revoked: 'text-bg-secondary',
  // roles
  admin: 'text-bg-danger',
  operator: 'text-bg-primary',
  viewer: 'text-bg-secondary',
};
const BADGE_LABELS = { qr_pending: 'waiting for QR scan', logged_out: 'logged out' };

/** A status badge; its text is the status, so colour is never the only signal. */
export function badge(status, props = {}) {
  const el = h('span', { class: 'badge', ...props });
  setBadge(el, status);
  return el;
}

export function setBadge(el, status) {
  el.className = `badge ${BADGE_CLASSES[status] ?? 'text-bg-secondary'}`;
  el.dataset.status = status;
  el.textContent = BADGE_LABELS[status] ?? status;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatDate = (value) => (value ? dateFormat.format(new Date(value)) : '—');
export const formatNumber = (n) => (n === null || n === undefined ? '—' : new Intl.NumberFormat().format(n));

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const hours = Math.floor(s / 3600);
  if (hours < 48) return `${hours} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(hours / 24)} days`;
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A responsive table: `columns` are [heading, (row) => cell content]. */
export function table(columns, rows, { caption, empty = 'Nothing here yet.', rowProps } = {}) {
  if (rows.length === 0) return h('p', { class: 'text-secondary' }, empty);
  return h(
    'div',
    { class: 'table-responsive' },
    h(
      'table',
      { class: 'table table-sm table-hover align-middle' },
      caption && h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map(([heading]) => h('th', { scope: 'col' }, heading)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            rowProps ? rowProps(row) : {},
            columns.map(([, cell]) => h('td', {}, cell(row))),
          ),
        ),
      ),
    ),
  );
}

/**
 * Tables become stacked cards on phones (admin.css, below 768 px): each cell gets its column's
 * heading as `data-label`, shown before the value. Cells that already have a label keep it.
 */
export function labelTableCells(scope) {
  const tables = scope.tagName === 'TABLE' ? [scope] : scope.querySelectorAll('table.table');
  for (const tableEl of tables) {
    const headings = [...(tableEl.tHead?.rows[0]?.cells ?? [])].map((th) => th.textContent.trim());
    tableEl.dataset.cards = '';
    for (const body of tableEl.tBodies)
      for (const row of body.rows)
        [...row.cells].forEach((cell, i) => {
          if (cell.dataset.label === undefined) cell.dataset.label = headings[i] ?? '';
        });
  }
}

/** Labels the cells of every table put under `root`, now and whenever views add or redraw rows. */
export function watchTables(root) {
  let queued = false;
  const observer = new window.MutationObserver(() => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      labelTableCells(root);
    });
  });
  observer.observe(root, { childList: true, subtree: true });
  return () => observer.disconnect();
}

/**
 * Filters that fold behind a "Filters" button on phones (always open on wider screens), so the
 * results are on the first screen. `active()` counts the filters in use, shown on the button.
 */
export function foldingFilters(form, { active = () => 0, label = 'Filters' } = {}) {
  const id = form.id || uid('filters');
  form.id = id;
  form.classList.add('filters-body');
  const button = h('button', {
    type: 'button',
    class: 'btn btn-outline-secondary btn-sm mb-2 d-md-none filters-toggle',
    'aria-expanded': 'false',
    'aria-controls': id,
  });
  const box = h('div', { class: 'filters-fold' }, button, form);
  const show = (open) => {
    box.classList.toggle('is-open', open);
    button.setAttribute('aria-expanded', String(open));
    const n = active();
    button.textContent = `${open ? 'Hide filters' : label}${n > 0 ? ` (${n})` : ''}`;
  };
  button.addEventListener('click', () => show(!box.classList.contains('is-open')));
  form.addEventListener('change', () => show(box.classList.contains('is-open')));
  show(false);
  box.refresh = () => show(box.classList.contains('is-open'));
  return box;
}

/** Previous / next page buttons with "page x of y". */
export function pager({ page, pages, onPage, label = 'Pages' }) {
  if (!pages || pages <= 1) return null;
  const button = (text, target, disabled) =>
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-outline-secondary btn-sm',
        disabled,
        on: { click: () => onPage(target) },
      },
      text,
    );
  return h(
    'nav',
    { class: 'd-flex align-items-center gap-2 my-2', 'aria-label': label },
    button('Previous', page - 1, page <= 1),
    h('span', { class: 'small text-secondary' }, `Page ${page} of ${pages}`),
    button('Next', page + 1, page >= pages),
  );
}

/** A button that copies `text` to the clipboard (and says so). */
export function copyButton(text, label = 'Copy') {
  const button = h('button', { type: 'button', class: 'btn btn-outline-secondary' }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Without clipboard access (plain http on a LAN), select the text for Ctrl+C instead.
      const input = button.parentElement?.querySelector('input');
      input?.select();
    }
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = label), 2000);
  });
  return button;
}

/** A secret shown once: read-only input, copy button, and the warning. */
export function secretOnce(title, secret) {
  return alertBox(
    'warning',
    h('div', { class: 'fw-semibold mb-2' }, title),
    h(
      'div',
      { class: 'input-group' },
      h('input', {
        class: 'form-control font-monospace',
        readonly: true,
        value: secret,
        'aria-label': title,
        dataset: { secret: 'once' },
      }),
      copyButton(secret),
    ),
    h('div', { class: 'small mt-2' }, 'Copy it now: it is not shown again.'),
  );
}

/** A Bootstrap modal built on the fly; resolves with what the footer buttons resolve. */
export function modal({ title, body, buttons = [['Close', 'secondary', null]], size }) {
  return new Promise((resolve) => {
    const titleId = uid('modal-title');
    let result = null;
    const footer = buttons.map(([label, kind, value]) =>
      h(
        'button',
        {
          type: 'button',
          class: `btn btn-${kind}`,
          on: {
            click: () => {
              result = value;
              instance.hide();
            },
          },
        },
        label,
      ),
    );
    const el = h(
      'div',
      {
        class: 'modal fade',
        tabindex: '-1',
        'aria-labelledby': titleId,
        'aria-modal': 'true',
        role: 'dialog',
      },
      h(
        'div',
        { class: `modal-dialog modal-dialog-scrollable ${size ? `modal-${size}` : ''}` },
        h(
          'div',
          { class: 'modal-content' },
          h(
            'div',
            { class: 'modal-header' },
            h('h2', { class: 'modal-title h5', id: titleId }, title),
            h('button', {
              type: 'button',
              class: 'btn-close',
              'data-bs-dismiss': 'modal',
              'aria-label': 'Close',
            }),
          ),
          h('div', { class: 'modal-body' }, body),
          h('div', { class: 'modal-footer' }, footer),
        ),
      ),
    );
    document.body.append(el);
    const instance = new window.bootstrap.Modal(el);
    el.addEventListener('hidden.bs.modal', () => {
      instance.dispose();
      el.remove();
      resolve(result);
    });
    instance.show();
  });
}

/** Asks before something that cannot be undone. Resolves true when confirmed. */
export async function confirmAction(title, message, confirmLabel = 'Confirm', kind = 'danger') {
  const answer = await modal({
    title,
    body: h('p', { class: 'mb-0' }, message),
    buttons: [
      ['Cancel', 'secondary', false],
      [confirmLabel, kind, true],
    ],
  });
  return answer === true;
}

/** A short message at the bottom right, read out by screen readers. */
export function toast(message, kind = 'success') {
  const container = document.getElementById('toasts');
  const el = h(
    'div',
    {
      class: `toast align-items-center text-bg-${kind} border-0`,
      role: kind === 'danger' ? 'alert' : 'status',
    },
    h(
      'div',
      { class: 'd-flex' },
      h('div', { class: 'toast-body' }, message),
      h('button', {
        type: 'button',
        class: 'btn-close btn-close-white me-2 m-auto',
        'data-bs-dismiss': 'toast',
        'aria-label': 'Close',
      }),
    ),
  );
  container.append(el);
  const instance = new window.bootstrap.Toast(el, { delay: 4000 });
  el.addEventListener('hidden.bs.toast', () => el.remove());
  instance.show();
}

/** Disables a button while `work` runs; errors go to `onError` (a toast by default). */
export async function busy(button, work, onError = (e) => toast(e.message ?? String(e), 'danger')) {
  button.disabled = true;
  try {
    return await work();
  } catch (error) {
    onError(error);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

/** Calls `fn` at most once per `ms`, with the latest call winning. */
export function throttle(fn, ms) {
  let timer = null;
  let pending = false;
  return () => {
    if (timer) {
      pending = true;
      return;
    }
    fn();
    timer = setTimeout(function tick() {
      timer = null;
      if (pending) {
        pending = false;
        fn();
        timer = setTimeout(tick, ms);
      }
    }, ms);
  };
}
