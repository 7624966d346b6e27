/* A campaign page's progress card: the bar, the counts per status, rate, time left, and why it paused. */
import { alertBox, badge, formatDate, formatDuration, h, replace } from '../dom.js';
import { campaignProgressBar, outcomes, RECIPIENT_STATUSES } from './campaign-parts.js';

/** The card; its `update(progress)` redraws it from GET .../progress or a campaign.progress push. */
export function progressCard(initial) {
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
