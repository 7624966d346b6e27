/* Dashboard: the gateway's numbers as cards, and charts where a picture reads faster than numbers. */
import { get } from '../api.js';
import {
  append,
  errorBox,
  formatBytes,
  formatDuration,
  formatNumber,
  h,
  pageHeader,
  replace,
  spinner,
  throttle,
} from '../dom.js';
import * as live from '../live.js';
import { link } from '../router.js';

const DAYS = 7;
const PAGE = 500;
const MAX_PAGES_PER_SESSION = 20;
const COLORS = {
  inbound: '#0d6efd',
  outbound: '#198754',
  delivered: '#198754',
  dead: '#dc3545',
  pending: '#ffc107',
};

function card(title, value, detail, props = {}) {
  return h(
    'div',
    { class: 'col' },
    h(
      'div',
      { class: 'card stat-card h-100', ...props },
      h(
        'div',
        { class: 'card-body' },
        h('h2', { class: 'h6 text-secondary mb-1' }, title),
        h('div', { class: 'stat-value' }, value),
        detail && h('div', { class: 'small text-secondary' }, detail),
      ),
    ),
  );
}

function cards(stats) {
  const w = stats.whatsapp;
  const m = stats.messages;
  const d = stats.webhookDeliveries;
  return h(
    'div',
    { class: 'row row-cols-1 row-cols-sm-2 row-cols-xl-4 g-3 mb-4', id: 'stat-cards' },
    card(
      'Sessions',
      `${w.connectedAccounts} / ${w.totalAccounts} connected`,
      `${w.qrPendingAccounts} waiting for a QR scan, ${w.connectingAccounts} connecting, ${w.disconnectedAccounts} disconnected`,
      { dataset: { stat: 'sessions' } },
    ),
    card(
      'Messages',
      formatNumber(m.total),
      `${formatNumber(m.byDirection.inbound)} in, ${formatNumber(m.byDirection.outbound)} out`,
      { dataset: { stat: 'messages' } },
    ),
    card(
      'Webhook success',
      d.successRate === null ? '—' : `${Math.round(d.successRate * 1000) / 10} %`,
      `${formatNumber(d.delivered)} delivered, ${formatNumber(d.dead)} dead, ${formatNumber(d.pending)} pending`,
      { dataset: { stat: 'webhooks' } },
    ),
    card('Gateway', `up ${formatDuration(stats.uptime)}`, `memory ${formatBytes(stats.memory?.rss)}`, {
      dataset: { stat: 'gateway' },
    }),
  );
}

/** A chart in a card; the canvas carries a text summary for people who cannot see it. */
function chartCard(title, col, id) {
  const canvas = h('canvas', { role: 'img', 'aria-label': title, id });
  const empty = h(
    'p',
    { class: 'text-secondary small position-absolute top-50 start-50 translate-middle', hidden: true },
    'Nothing yet.',
  );
  const el = h(
    'div',
    { class: col },
    h(
      'section',
      { class: 'card h-100' },
      h(
        'div',
        { class: 'card-body' },
        h('h2', { class: 'h6' }, title),
        h('div', { class: 'chart-box' }, canvas, empty),
      ),
    ),
  );
  return { canvas, el, setEmpty: (isEmpty) => (empty.hidden = !isEmpty) };
}

const dayKey = (date) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

/**
 * Messages per day in and out, over the last DAYS days. The stats endpoint has totals only, so the
 * SPA counts the stored messages itself, page by page (newest first), and says when it stopped early.
 */
async function messagesPerDay(stats) {
  if (Array.isArray(stats.messages?.perDay)) return { days: stats.messages.perDay, partial: false };
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  start.setDate(start.getDate() - (DAYS - 1));
  const days = new Map();
  for (let i = 0; i < DAYS; i++) {
    const day = new Date(start);
    day.setDate(start.getDate() + i);
    days.set(dayKey(day), { day: dayKey(day), inbound: 0, outbound: 0 });
  }
  let partial = false;
  const sessions = await get('/api/v1/sessions');
  for (const session of sessions) {
    let cursor;
    for (let page = 0; page < MAX_PAGES_PER_SESSION; page++) {
      const { messages, pagination } = await get(
        `/api/v1/sessions/${encodeURIComponent(session.id)}/messages`,
        { from: start, limit: PAGE, cursor },
      );
      for (const m of messages) {
        const bucket = days.get(dayKey(new Date(Number(m.timestamp) * 1000)));
        if (bucket && (m.direction === 'inbound' || m.direction === 'outbound')) bucket[m.direction] += 1;
      }
      cursor = pagination.nextCursor;
      if (!cursor) break;
      if (page === MAX_PAGES_PER_SESSION - 1) partial = true;
    }
  }
  return { days: [...days.values()], partial };
}

export async function render(root, { onCleanup }) {
  const cardsBox = h('div', {}, spinner());
  const charts = h('div', { class: 'row g-3' });
  const note = h('p', { class: 'small text-secondary mt-2' });
  append(
    root,
    pageHeader(
      'Dashboard',
      h('a', { class: 'btn btn-outline-secondary btn-sm', href: link('/sessions') }, 'Sessions'),
    ),
    cardsBox,
    charts,
    note,
  );

  const { Chart } = window;
  const instances = [];
  onCleanup(() => instances.forEach((c) => c.destroy()));
  const base = { animation: false, maintainAspectRatio: false, responsive: true };

  let perDayChart = null;
  let deliveriesChart = null;
  let typesChart = null;
  let deliveriesCard = null;
  let typesCard = null;

  const drawStats = async () => {
    const stats = await get('/api/v1/dashboard/stats');
    replace(cardsBox, cards(stats));
    const d = stats.webhookDeliveries;
    const deliveries = [d.delivered, d.dead, d.pending];
    const types = Object.entries(stats.messages.byType).sort((a, b) => b[1] - a[1]);
    if (!deliveriesChart) {
      deliveriesCard = chartCard('Webhook deliveries', 'col-md-6 col-xl-3', 'chart-deliveries');
      typesCard = chartCard('Messages by type', 'col-md-6 col-xl-3', 'chart-types');
      charts.append(deliveriesCard.el, typesCard.el);
      deliveriesChart = new Chart(deliveriesCard.canvas, {
        type: 'doughnut',
        data: {
          labels: ['delivered', 'dead', 'pending'],
          datasets: [{ data: deliveries, backgroundColor: [COLORS.delivered, COLORS.dead, COLORS.pending] }],
        },
        options: { ...base, plugins: { legend: { position: 'bottom' } } },
      });
      typesChart = new Chart(typesCard.canvas, {
        type: 'bar',
        data: {
          labels: types.map(([t]) => t),
          datasets: [{ label: 'messages', data: types.map(([, n]) => n), backgroundColor: '#6c757d' }],
        },
        options: {
          ...base,
          indexAxis: 'y',
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
      instances.push(deliveriesChart, typesChart);
    } else {
      deliveriesChart.data.datasets[0].data = deliveries;
      deliveriesChart.update();
      typesChart.data.labels = types.map(([t]) => t);
      typesChart.data.datasets[0].data = types.map(([, n]) => n);
      typesChart.update();
    }
    deliveriesCard.setEmpty(deliveries.every((n) => n === 0));
    typesCard.setEmpty(types.length === 0);
    deliveriesChart.canvas.setAttribute(
      'aria-label',
      `Webhook deliveries: ${d.delivered} delivered, ${d.dead} dead, ${d.pending} pending`,
    );
    typesChart.canvas.setAttribute(
      'aria-label',
      `Messages by type: ${types.map(([t, n]) => `${t} ${n}`).join(', ') || 'none'}`,
    );
    return stats;
  };

  const drawPerDay = async (stats) => {
    const { days, partial } = await messagesPerDay(stats);
    const summary = `Messages per day: ${days.map((d) => `${d.day} ${d.inbound} in ${d.outbound} out`).join('; ')}`;
    const data = {
      labels: days.map((d) => d.day.slice(5)),
      datasets: [
        { label: 'inbound', data: days.map((d) => d.inbound), backgroundColor: COLORS.inbound },
        { label: 'outbound', data: days.map((d) => d.outbound), backgroundColor: COLORS.outbound },
      ],
    };
    if (!perDayChart) {
      const perDayCard = chartCard(`Messages per day (last ${DAYS} days)`, 'col-xl-6', 'chart-per-day');
      charts.prepend(perDayCard.el);
      perDayChart = new Chart(perDayCard.canvas, {
        type: 'bar',
        data,
        options: {
          ...base,
          plugins: { legend: { position: 'bottom' } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
      instances.push(perDayChart);
    } else {
      perDayChart.data = data;
      perDayChart.update();
    }
    perDayChart.canvas.setAttribute('aria-label', summary);
    replace(note, partial ? 'Messages per day: counted the newest messages only (there are very many).' : '');
  };

  try {
    const stats = await drawStats();
    await drawPerDay(stats);
  } catch (error) {
    replace(cardsBox, errorBox(error));
    return;
  }
  // New messages and status changes arrive over /ws: refresh the numbers now and then, not per event.
  const refresh = throttle(() => void drawStats().catch(() => undefined), 5000);
  const recount = throttle(
    () =>
      void drawStats()
        .then(drawPerDay)
        .catch(() => undefined),
    30_000,
  );
  onCleanup(live.on('session.status', refresh));
  onCleanup(live.on('message.stored', () => (refresh(), recount())));
  onCleanup(live.on('resync', recount));
}
