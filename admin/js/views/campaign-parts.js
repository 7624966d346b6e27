/* Shared by the campaign views: their API paths, template rendering for previews, and the progress bar. */
import { h } from '../dom.js';

/** A recipient's status in a campaign, in the order the campaign's page shows them. */
export const RECIPIENT_STATUSES = [
  'pending',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'skipped',
  'review',
];

/** A campaign's API path: `campaignPath(7, '/start')` is /api/v1/campaigns/7/start. */
export const campaignPath = (id, rest = '') => `/api/v1/campaigns/${id}${rest}`;

/**
 * Why a start was refused, in the app's words: a refusal for missing variables names what to do
 * here (the API's own message points API users at its routes).
 */
export function startRefusal(error) {
  if (error?.code !== 'MISSING_VARIABLES') return error?.message ?? String(error);
  // "2 of 3 recipients lack template variables (city: 1, name: 1); see GET …": the first part.
  const counted = /^\d+ of \d+ recipients lack template variables \([^)]*\)/.exec(error.message ?? '')?.[0];
  return (
    `${counted ?? 'Some recipients lack template variables'} (listed under "Before the start"). ` +
    'Choose to skip them or to leave the values blank beside Start now, or fix the lists.'
  );
}

/** The gateway's `{{ name }}` placeholders (the same rule as src/campaigns/template.ts). */
const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

export function templateVariables(template) {
  const seen = new Map();
  for (const match of template.matchAll(PLACEHOLDER))
    if (!seen.has(match[1].toLowerCase())) seen.set(match[1].toLowerCase(), match[1]);
  return [...seen.values()];
}

/** A recipient's value: `phone` and `name` are its own fields, anything else a CSV column (any case). */
export function valueOf(key, recipient) {
  const lower = key.toLowerCase();
  if (lower === 'phone') return recipient.phone;
  const vars = recipient.variables ?? {};
  const found =
    lower === 'name'
      ? recipient.name
      : (vars[key] ?? Object.entries(vars).find(([k]) => k.toLowerCase() === lower)?.[1]);
  return found === undefined || found === null || found === '' ? undefined : String(found);
}

/** The text `recipient` would receive; a missing variable renders as nothing (and is reported). */
export function renderTemplate(template, recipient) {
  const missing = [];
  const text = template.replace(PLACEHOLDER, (_all, key) => {
    const value = valueOf(key, recipient);
    if (value === undefined) missing.push(key);
    return value ?? '';
  });
  return { text, missing: [...new Set(missing)] };
}

/**
 * What the recipients came to, in the words of the counts the API gives a campaign: `sent` is every
 * message that reached WhatsApp (delivered and read ones too), `delivered` includes the read ones.
 * `counts` are per status (GET .../progress, the campaign.progress push).
 */
export function outcomes(counts) {
  const n = (key) => counts[key] ?? 0;
  return {
    open: n('pending') + n('sending'),
    sent: n('sent') + n('delivered') + n('read'),
    delivered: n('delivered') + n('read'),
    read: n('read'),
    failed: n('failed'),
    skipped: n('skipped'),
    review: n('review'),
  };
}

/** The one colour scheme of every campaign progress bar: an outcome, its colour. */
const SEGMENTS = [
  ['sent', 'bg-success'],
  ['review', 'bg-warning'],
  ['failed', 'bg-danger'],
  ['skipped', 'bg-secondary'],
];

function stackedBar(props) {
  const segments = Object.fromEntries(
    SEGMENTS.map(([key, colour]) => [key, h('div', { class: `progress-bar ${colour}` })]),
  );
  const bar = h(
    'div',
    {
      class: 'progress-stacked',
      role: 'progressbar',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': '0',
      ...props,
    },
    Object.values(segments).map((s) => h('div', { class: 'progress', style: { width: '0%' } }, s)),
  );
  /** `o`: outcomes(); answers the percentage done. */
  bar.set = (o, total) => {
    const t = Math.max(total ?? 0, 0);
    for (const [key] of SEGMENTS)
      segments[key].parentElement.style.width = `${t === 0 ? 0 : (o[key] / t) * 100}%`;
    const done = o.sent + o.review + o.failed + o.skipped;
    const percent = t === 0 ? 0 : Math.floor((done / t) * 100);
    bar.setAttribute('aria-valuenow', String(percent));
    bar.setAttribute('aria-valuetext', `${percent}% (${done} of ${t})`);
    return { percent, done };
  };
  return bar;
}

/** The campaigns list's small bar, from a campaign's counts (`sent` already includes delivered and read). */
export function campaignMiniBar(name, counts) {
  const bar = stackedBar({ 'aria-label': `Progress of ${name}`, style: { minWidth: '6rem' } });
  bar.set({ review: 0, ...counts }, counts.total);
  return bar;
}

/** A campaign page's bar, whose `update(counts, total)` moves it; its label uses the counts' words. */
export function campaignProgressBar() {
  const bar = stackedBar({
    class: 'progress-stacked campaign-progress',
    'aria-label': 'Campaign progress',
    id: 'campaign-progress',
  });
  const label = h('div', { class: 'small text-secondary mt-1', id: 'campaign-progress-label' });
  const el = h('div', {}, bar, label);
  el.update = (counts, total) => {
    const o = outcomes(counts);
    const { percent, done } = bar.set(o, total);
    const parts = [
      `${o.sent} sent (${o.delivered} delivered, ${o.read} read)`,
      `${o.failed} failed`,
      `${o.skipped} skipped`,
      o.review > 0 && `${o.review} to review`,
    ].filter(Boolean);
    label.textContent = `${percent}% — ${done} of ${total ?? 0} recipients done: ${parts.join(', ')}`;
  };
  return el;
}
