/*
 * One campaign: live progress (bar, counts per status, rate, ETA), why it paused, the actions its
 * status allows, its settings, the preview before the start and the per-recipient table.
 */
import { get } from '../api.js';
import { alertBox, append, badge, errorBox, formatDate, h, pageHeader, replace, setBadge } from '../dom.js';
import * as live from '../live.js';
import { canOperate } from '../roles.js';
import { link } from '../router.js';
import { actionsBar } from './campaign-actions.js';
import { campaignPath } from './campaign-parts.js';
import { progressCard } from './campaign-progress.js';
import { recipientsCard } from './campaign-recipients.js';

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
  const p = await get(campaignPath(c.id, '/preview'));
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
        get(campaignPath(id)),
        get(campaignPath(id, '/progress')),
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
