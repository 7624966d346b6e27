/* The campaign form's "When": keep it as a draft, start now, or schedule it at a time in a time zone. */
import { field, h, uid } from '../dom.js';
import { markField } from '../form-errors.js';
import { timeZonePicker } from './time-zone-picker.js';

/**
 * The card; `mode()` answers draft, now or later, `scheduledAt` and `timeZone` are its inputs (the
 * zone also applies to quiet hours and the daily cap).
 */
export function whenCard() {
  const when = { draft: uid('when'), now: uid('when'), later: uid('when') };
  const whenRadio = (key, label, checked) =>
    h(
      'div',
      { class: 'form-check' },
      h('input', {
        type: 'radio',
        class: 'form-check-input',
        name: 'when',
        id: when[key],
        value: key,
        checked,
      }),
      h('label', { class: 'form-check-label', for: when[key] }, label),
    );
  const scheduledAt = h('input', { type: 'datetime-local', name: 'scheduledAt', disabled: true });
  const { input: timeZone, list: timeZoneList } = timeZonePicker();
  const el = h(
    'section',
    { class: 'card mb-4' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5' }, 'When'),
      h(
        'fieldset',
        { class: 'mb-3' },
        h('legend', { class: 'visually-hidden' }, 'When to send'),
        whenRadio('draft', 'Save as a draft', true),
        whenRadio('now', 'Start now', false),
        whenRadio('later', 'Schedule', false),
      ),
      h(
        'div',
        { class: 'row g-2' },
        h('div', { class: 'col-sm-6' }, field('Date and time', scheduledAt)),
        h(
          'div',
          { class: 'col-sm-6' },
          field('Time zone', timeZone, 'Type to search. Also used for quiet hours and the daily cap.'),
          timeZoneList,
        ),
      ),
    ),
  );
  // The date and time matter only for "Schedule".
  el.addEventListener('change', (event) => {
    if (event.target.name !== 'when') return;
    scheduledAt.disabled = event.target.value !== 'later';
    if (scheduledAt.disabled) markField(scheduledAt, null);
  });
  const mode = () => el.querySelector('input[name=when]:checked').value;
  return { el, mode, scheduledAt, timeZone };
}
