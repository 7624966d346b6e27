/* The campaign form's throttle: pauses between sends, caps per minute and day, quiet hours, "typing…". */
import { field, h } from '../dom.js';

const seconds = (props) => h('input', { type: 'number', min: '0', max: '3600', step: '0.1', ...props });
const msOf = (input) => Math.round(Number(input.value) * 1000);
const optionalInt = (input) => (input.value === '' ? null : Number(input.value));

/** The card, and `values()`: its part of the create body (seconds turned into the API's ms). */
export function throttleCard() {
  const minDelay = seconds({ name: 'minDelay', value: '3' });
  const maxDelay = seconds({ name: 'maxDelay', value: '8' });
  const perMinute = h('input', { type: 'number', name: 'perMinuteCap', min: '1', max: '1000' });
  const perDay = h('input', { type: 'number', name: 'perDayCap', min: '1', max: '1000000' });
  const quietStart = h('input', { type: 'time', name: 'quietHoursStart' });
  const quietEnd = h('input', { type: 'time', name: 'quietHoursEnd' });
  // Typing: "typing…" shown to each recipient before its message, for a random time in the range.
  const typing = h('input', { type: 'checkbox', name: 'typing' });
  const typingSeconds = (props) => seconds({ max: '30', disabled: true, ...props });
  const typingMin = typingSeconds({ name: 'typingMin', value: '1' });
  const typingMax = typingSeconds({ name: 'typingMax', value: '3' });
  typing.addEventListener('change', () => {
    typingMin.disabled = !typing.checked;
    typingMax.disabled = !typing.checked;
  });
  const el = h(
    'section',
    { class: 'card mb-4' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5' }, 'Throttle'),
      h(
        'div',
        { class: 'row g-2' },
        h('div', { class: 'col-6' }, field('Shortest pause (s)', minDelay)),
        h('div', { class: 'col-6' }, field('Longest pause (s)', maxDelay)),
      ),
      h(
        'div',
        { class: 'row g-2' },
        h('div', { class: 'col-6' }, field('At most per minute', perMinute)),
        h('div', { class: 'col-6' }, field('At most per day', perDay)),
      ),
      h(
        'div',
        { class: 'row g-2' },
        h('div', { class: 'col-6' }, field('Quiet from', quietStart)),
        h('div', { class: 'col-6' }, field('Quiet until', quietEnd)),
      ),
      field('Show “typing…” before each message', typing),
      h(
        'div',
        { class: 'row g-2' },
        h('div', { class: 'col-6' }, field('Typing at least (s)', typingMin)),
        h('div', { class: 'col-6' }, field('Typing at most (s)', typingMax, 'Counted inside the pause.')),
      ),
    ),
  );
  const values = () => ({
    minDelayMs: msOf(minDelay),
    maxDelayMs: msOf(maxDelay),
    perMinuteCap: optionalInt(perMinute),
    perDayCap: optionalInt(perDay),
    quietHoursStart: quietStart.value || null,
    quietHoursEnd: quietEnd.value || null,
    typing: typing.checked,
    ...(typing.checked ? { typingMinMs: msOf(typingMin), typingMaxMs: msOf(typingMax) } : {}),
  });
  return { el, values };
}
