/*
 * One campaign: live progress (bar, counts per status, rate, ETA), why it paused, the actions its
 * status allows, its settings, the preview before the start and the per-recipient table.
 */
import { del, download, get, post } from '../api.js';
import {
  alertBox,
  append,
  badge,
  busy,
  confirmAction,
  errorBox,
  field,
  formatDate,
  formatDuration,
  h,
  modal,
  pageHeader,
  pager,
  replace,
  select,
  setBadge,
  spinner,
  throttle,
  toast,
} from '../dom.js';
import * as live from '../live.js';
import { canOperate } from '../roles.js';
import { link } from '../router.js';
import { campaignProgressBar, outcomes, startRefusal } from './campaign-parts.js';

const RECIPIENT_STATUSES = ['pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped', 'review'];
const path = (id, rest = '') => `/api/v1/campaigns/${id}${rest}`;

function progressCard(initial) {
  const bar = campaignProgressBar();
  const counts = h('div', { class: 'd-flex flex-wrap gap-2 my-3', id: 'campaign-counts' });
  const facts = h('dl', { class: 'row small mb-0' });
  const pause = h('div');
  const update = (p) => {
    bar.update(p.counts, p.total);
    // The same words as the bar's label: sent includes delivered and read, delivered includes read.
    const o = outcomes(p.counts);
    const shown = { ...p.counts, sent: o.sent, delivered: o.delivered };
    replace(
      counts,
      RECIPIENT_STATUSES.map((s) =>
        h(
          'span',
          { class: 'd-inline-flex align-items-center gap-1', dataset: { count: s } },
          badge(s),
          h('span', { class: 'fw-semibold' }, String(shown[s] ?? 0)),
        ),
      ),
      h('span', { class: 'small text-secondary w-100' }, 'Sent counts delivered and read messages too.'),
    );
    replace(
      facts,
      h('dt', { class: 'col-sm-4' }, 'Rate'),
      h(
        'dd',
        { class: 'col-sm-8' },
        p.ratePerMinute === null || p.ratePerMinute === undefined ? '—' : `${p.ratePerMinute} per minute`,
      ),
      h('dt', { class: 'col-sm-4' }, 'Time left'),
      h(
        'dd',
        { class: 'col-sm-8', id: 'campaign-eta' },
        p.status === 'running' ? formatDuration(p.etaSeconds) : '—',
      ),
      p.waiting && [
        h('dt', { class: 'col-sm-4' }, 'Waiting for'),
        h('dd', { class: 'col-sm-8' }, `${p.waiting.reason} (until ${formatDate(p.waiting.until)})`),
      ],
    );
    replace(
      pause,
      p.status === 'paused' &&
        p.pauseReason &&
        alertBox(
          'warning',
          h('span', { class: 'fw-semibold' }, 'Paused: '),
          h('span', { id: 'pause-reason' }, p.pauseReason),
        ),
    );
  };
  update(initial);
  const el = h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'progress-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'progress-title' }, 'Progress'),
      pause,
      bar,
      counts,
      facts,
    ),
  );
  el.update = update;
  return el;
}

function settingsCard(c, lists) {
  const row = (label, value) => [
    h('dt', { class: 'col-sm-4' }, label),
    h('dd', { class: 'col-sm-8' }, value ?? '—'),
  ];
  const listNames = c.listIds.map((id) => lists.find((l) => l.id === id)?.name ?? `#${id}`).join(', ');
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'settings-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'settings-title' }, 'Settings'),
      h(
        'dl',
        { class: 'row small mb-0' },
        row('Session', h('a', { href: link(`/sessions/${encodeURIComponent(c.sessionId)}`) }, c.sessionId)),
        row('Lists', listNames),
        row('Template', h('div', { class: 'message-text' }, c.template)),
        row('Media', c.media ? `${c.media.type}${c.media.fileName ? `: ${c.media.fileName}` : ''}` : null),
        row('Time zone', c.timeZone),
        row('Scheduled', c.scheduledAt ? formatDate(c.scheduledAt) : null),
        row('Pause between sends', `${c.minDelayMs / 1000}–${c.maxDelayMs / 1000} s`),
        row('Caps', `${c.perMinuteCap ?? '∞'} per minute, ${c.perDayCap ?? '∞'} per day`),
        row(
          'Quiet hours',
          c.quietHoursStart && c.quietHoursEnd ? `${c.quietHoursStart}–${c.quietHoursEnd}` : null,
        ),
        row('Started', formatDate(c.startedAt)),
        row('Completed', formatDate(c.completedAt)),
      ),
    ),
  );
}

async function previewCard(c) {
  const p = await get(path(c.id, '/preview'));
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'preview-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'preview-title' }, 'Before the start'),
      p.problems.length > 0
        ? alertBox('warning', `Not ready: ${p.problems.join('; ')}.`)
        : alertBox('success', `Ready: ${p.recipients} recipients.`),
      p.missing.count > 0 &&
        h(
          'ul',
          { class: 'small' },
          p.missing.recipients.map((r) =>
            h('li', {}, `${r.name ?? '(no name)'} ${r.phone}: no ${r.missing.join(', ')}`),
          ),
        ),
      h('h3', { class: 'h6' }, 'Samples'),
      p.samples.map((s) =>
        h(
          'div',
          { class: 'border rounded p-2 mb-2' },
          h('div', { class: 'small text-secondary' }, `${s.name ?? '(no name)'} — ${s.phone}`),
          h('div', { class: 'template-preview' }, s.text),
        ),
      ),
    ),
  );
}

/** The buttons the campaign's status allows; each re-reads the campaign when done. */
function actionsBar(c, { reload, navigate }) {
  const act = (label, kind, work, confirm) => {
    const button = h(
      'button',
      {
        type: 'button',
        class: `btn btn-${kind}`,
        dataset: { action: label.toLowerCase().replace(/\s+/g, '-') },
      },
      label,
    );
    button.addEventListener('click', async () => {
      if (confirm && !(await confirmAction(...confirm))) return;
      await busy(
        button,
        async () => {
          await work();
          await reload();
        },
        (error) => toast(startRefusal(error), 'danger'),
      );
    });
    return button;
  };
  const policy = select({ name: 'missingVariables', 'aria-label': 'Recipients missing a variable' }, [
    ['', 'refuse if a variable is missing'],
    ['skip', 'skip recipients missing a variable'],
    ['blank', 'leave missing variables blank'],
  ]);
  const policyBody = () => (policy.value ? { missingVariables: policy.value } : {});
  const s = c.status;
  const buttons = [];
  if (s === 'draft' || s === 'scheduled') {
    buttons.push(
      policy,
      act('Start now', 'primary', () => post(path(c.id, '/start'), policyBody())),
    );
  }
  if (s === 'draft') buttons.push(act('Schedule', 'outline-primary', () => scheduleDialog(c, policyBody)));
  if (s === 'scheduled')
    buttons.push(act('Unschedule', 'outline-secondary', () => del(path(c.id, '/schedule'))));
  if (s === 'running') {
    buttons.push(act('Pause', 'warning', () => post(path(c.id, '/pause'), {})));
  }
  if (s === 'paused') buttons.push(act('Resume', 'success', () => post(path(c.id, '/resume'))));
  if (['draft', 'scheduled', 'running', 'paused'].includes(s)) {
    buttons.push(
      act('Cancel', 'outline-danger', () => post(path(c.id, '/cancel')), [
        'Cancel this campaign?',
        'Recipients not sent yet are marked skipped. This cannot be undone.',
        'Cancel campaign',
      ]),
    );
  }
  if (['running', 'paused', 'completed'].includes(s) && c.counts.failed > 0) {
    buttons.push(
      act('Retry failed', 'outline-primary', async () =>
        toast(`${(await post(path(c.id, '/retry'), {})).retried} recipients queued again`),
      ),
    );
  }
  if (!['running'].includes(s)) {
    buttons.push(
      act(
        'Delete',
        'outline-danger',
        async () => {
          await del(path(c.id));
          navigate('/campaigns', { replace: true });
        },
        [
          `Delete the campaign "${c.name}"?`,
          'It is deleted with its recipients and media. This cannot be undone.',
          'Delete',
        ],
      ),
    );
  }
  const report = h('button', { type: 'button', class: 'btn btn-outline-secondary' }, 'Report CSV');
  report.addEventListener('click', () => busy(report, () => download(path(c.id, '/report'))));
  if (s !== 'draft') buttons.push(report);
  return h(
    'div',
    { class: 'd-flex flex-wrap gap-2 align-items-center mb-4', id: 'campaign-actions' },
    buttons.map((b) => (b.tagName === 'SELECT' ? h('div', { style: { maxWidth: '20rem' } }, b) : b)),
  );
}

async function scheduleDialog(c, policyBody) {
  const at = h('input', { type: 'datetime-local', required: true });
  const zone = h('input', { value: c.timeZone, required: true });
  const answer = await modal({
    title: 'Schedule the start',
    body: h(
      'div',
      {},
      field('Date and time', at),
      field('Time zone (IANA)', zone, 'For example Asia/Jakarta or Europe/Berlin.'),
    ),
    buttons: [
      ['Cancel', 'secondary', null],
      ['Schedule', 'primary', 'ok'],
    ],
  });
  if (answer !== 'ok' || !at.value) return;
  await post(path(c.id, '/schedule'), {
    ...policyBody(),
    scheduledAt: at.value,
    timeZone: zone.value.trim(),
  });
}

function recipientsCard(c, onCleanup) {
  const status = select(
    { name: 'recipient-status', class: 'form-select w-auto', 'aria-label': 'Show recipients with status' },
    [['', 'all'], ...RECIPIENT_STATUSES.map((s) => [s, s])],
  );
  const rows = h('div', {}, spinner());
  let page = 1;
  const load = async () => {
    try {
      const { items, pagination } = await get(path(c.id, '/recipients'), {
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

export async function render(root, { params, user, state, navigate, onCleanup }) {
  const id = Number(params.id);
  const body = h('div');
  append(root, body);
  let notice = state?.notice;
  if (notice) history.replaceState({ ...history.state, notice: undefined }, '');
  let scoped = [];
  onCleanup(() => scoped.forEach((off) => off()));

  const load = async () => {
    let c;
    let progress;
    let lists;
    try {
      [c, progress, lists] = await Promise.all([
        get(path(id)),
        get(path(id, '/progress')),
        get('/api/v1/recipient-lists'),
      ]);
    } catch (error) {
      return replace(body, pageHeader('Campaign'), errorBox(error));
    }
    scoped.forEach((off) => off());
    scoped = [];
    const statusBadge = badge(c.status, { id: 'campaign-status' });
    const progressEl = progressCard(progress);
    let lastStatus = c.status;
    scoped.push(
      live.on('campaign.progress', (event) => {
        if (event.campaignId !== id) return;
        progressEl.update({ ...event, waiting: null });
        setBadge(statusBadge, event.status);
        // A new status brings other buttons (and maybe a pause reason): redraw the page.
        if (event.status !== lastStatus) {
          lastStatus = event.status;
          void load();
        }
      }),
    );
    // The notice from the form (why the start failed) is shown on the first drawing only.
    const shownNotice = notice;
    notice = null;
    const preview =
      c.status === 'draft' || c.status === 'scheduled'
        ? await previewCard(c).catch((e) => errorBox(e))
        : null;
    replace(
      body,
      pageHeader(c.name, statusBadge),
      h('p', {}, h('a', { href: link('/campaigns') }, '‹ All campaigns')),
      shownNotice && alertBox('warning', shownNotice),
      c.pausedBySystem &&
        c.status === 'paused' &&
        alertBox('info', 'The gateway paused this campaign by itself; resume it when the cause is gone.'),
      canOperate(user) && actionsBar(c, { reload: load, navigate }),
      h(
        'div',
        { class: 'row g-4' },
        h('div', { class: 'col-lg-7' }, progressEl, preview),
        h('div', { class: 'col-lg-5' }, settingsCard(c, lists)),
      ),
      recipientsCard(c, (off) => scoped.push(off)),
    );
  };
  onCleanup(live.on('resync', load));
  await load();
}
