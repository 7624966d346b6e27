/* Shared by the campaign views: template rendering for previews, and the progress bar. */
import { h } from '../dom.js';

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

/** Recipients done (whatever the outcome) out of all of them. */
export function processed(counts, total) {
  const open = (counts.pending ?? 0) + (counts.sending ?? 0);
  return Math.max(0, (total ?? 0) - open);
}

/** A progress bar whose `update(counts, total)` moves it; coloured per outcome. */
export function campaignProgressBar() {
  const segments = {
    done: h('div', { class: 'progress-bar bg-success' }),
    failed: h('div', { class: 'progress-bar bg-danger' }),
    skipped: h('div', { class: 'progress-bar bg-secondary' }),
  };
  const label = h('div', { class: 'small text-secondary mt-1', id: 'campaign-progress-label' });
  const bar = h(
    'div',
    {
      class: 'progress-stacked campaign-progress',
      role: 'progressbar',
      'aria-label': 'Campaign progress',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': '0',
      id: 'campaign-progress',
    },
    Object.values(segments).map((s) => h('div', { class: 'progress', style: { width: '0%' } }, s)),
  );
  const el = h('div', {}, bar, label);
  el.update = (counts, total) => {
    const t = Math.max(total ?? 0, 0);
    const share = (n) => (t === 0 ? 0 : (n / t) * 100);
    const failed = counts.failed ?? 0;
    const skipped = counts.skipped ?? 0;
    const done = processed(counts, t) - failed - skipped;
    for (const [key, n] of [
      ['done', done],
      ['failed', failed],
      ['skipped', skipped],
    ])
      segments[key].parentElement.style.width = `${share(n)}%`;
    const percent = t === 0 ? 0 : Math.floor((processed(counts, t) / t) * 100);
    bar.setAttribute('aria-valuenow', String(percent));
    bar.setAttribute('aria-valuetext', `${percent}% (${processed(counts, t)} of ${t})`);
    label.textContent = `${percent}% — ${processed(counts, t)} of ${t} recipients done (${done} sent, ${failed} failed, ${skipped} skipped)`;
  };
  return el;
}
