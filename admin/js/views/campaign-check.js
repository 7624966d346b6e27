/*
 * The campaign form's check of the template against the chosen lists, before the campaign exists:
 * who lacks a {{variable}}, and what to do with them at the start (skip them, send the gap blank, or
 * fix the lists and check again), shown beside the Start button.
 */
import { post } from '../api.js';
import { errorBox, h, replace } from '../dom.js';
import { markField } from '../form-errors.js';
import { link } from '../router.js';
import { templateVariables } from './campaign-parts.js';

const SHOWN = 5;

/**
 * `template()` and `lists()` give the form's current template and chosen lists ({ id, name }).
 * Returns the panel, `refresh()` (check now), and `decide()` (true when a start may go ahead,
 * with `policy()` then the choice to send, or null when nobody lacks anything).
 */
export function missingVariablesCheck({ template, lists }) {
  const el = h('div', { id: 'missing-variables', 'aria-live': 'polite', class: 'mb-3' });
  let report = null;
  let checked = '';
  let timer = null;
  let choiceBox = null;

  const choice = () => el.querySelector('input[name=missingVariables]:checked')?.value ?? null;

  const draw = (chosen) => {
    if (!report || report.missing.count === 0) {
      choiceBox = null;
      return replace(el);
    }
    const { missing, recipients } = report;
    const byVariable = Object.entries(missing.byVariable)
      .map(([v, n]) => `{{${v}}} (${n})`)
      .join(', ');
    const radio = (value, label) => {
      const id = `missing-${value}`;
      return h(
        'div',
        { class: 'form-check' },
        h('input', {
          type: 'radio',
          class: 'form-check-input',
          name: 'missingVariables',
          id,
          value,
          checked: chosen === value,
        }),
        h('label', { class: 'form-check-label', for: id }, label),
      );
    };
    const again = h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary' }, 'Check again');
    again.addEventListener('click', () => void refresh(true));
    choiceBox = h(
      'fieldset',
      { class: 'mt-2' },
      h('legend', { class: 'form-label fs-6 mb-1' }, 'When it starts, the recipients lacking a value are:'),
      radio('skip', 'skipped (they get nothing)'),
      radio('blank', 'sent the message with the missing values left blank'),
    );
    replace(
      el,
      h(
        'div',
        { class: 'alert alert-warning mb-0', dataset: { missingCount: String(missing.count) } },
        h(
          'div',
          { class: 'fw-semibold' },
          `${missing.count} of ${recipients} recipients lack a value for ${byVariable}.`,
        ),
        h(
          'ul',
          { class: 'small mb-1 mt-1' },
          missing.recipients
            .slice(0, SHOWN)
            .map((r) =>
              h(
                'li',
                {},
                `${r.name ?? '(no name)'} ${r.phone}: no ${r.missing.map((v) => `{{${v}}}`).join(', ')}`,
              ),
            ),
          missing.count > SHOWN && h('li', {}, `and ${missing.count - SHOWN} more`),
        ),
        choiceBox,
        h(
          'div',
          { class: 'small mt-2 d-flex flex-wrap align-items-center gap-2' },
          'Or fix the lists first:',
          lists().map((l) =>
            h(
              'a',
              { href: link(`/recipients/${l.id}`), target: '_blank', rel: 'noopener' },
              `open “${l.name}”`,
            ),
          ),
          again,
        ),
      ),
    );
  };

  /** Checks the template against the lists (again when `force` or when either changed). */
  async function refresh(force = false) {
    clearTimeout(timer);
    const text = template();
    const chosen = lists();
    const key = JSON.stringify([text, chosen.map((l) => l.id)]);
    if (!force && key === checked) return report;
    checked = key;
    if (chosen.length === 0 || templateVariables(text).length === 0) {
      report = null;
      draw(null);
      return report;
    }
    const before = choice();
    try {
      report = await post('/api/v1/campaigns/check-template', {
        template: text,
        listIds: chosen.map((l) => l.id),
      });
      draw(before);
    } catch (error) {
      report = null;
      checked = '';
      replace(el, errorBox(error));
    }
    return report;
  }

  /** Checks again in a moment (as the template is typed). */
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), 400);
  };

  /** Before a start: a fresh check; false (and a message beside the choices) when a choice is missing. */
  async function decide() {
    await refresh(true);
    if (!report || report.missing.count === 0 || choice()) return true;
    const first = el.querySelector('input[name=missingVariables]');
    if (first) markField(first, 'Choose what happens to them, or fix the lists and check again.');
    first?.focus();
    return false;
  }

  return { el, refresh, soon, decide, policy: () => (report?.missing.count ? choice() : null) };
}
