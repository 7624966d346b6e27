/*
 * A time zone picker: UTC and the browser's own zone first, then every IANA zone, searchable by
 * typing (an input tied to a datalist). A value that is no zone is refused beside the field, never
 * silently replaced by another zone.
 */
import { h, uid } from '../dom.js';

export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** UTC, the browser's zone, then the others in order; each once. */
export function zoneChoices() {
  const all = Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [];
  const first = ['UTC', browserZone()];
  const seen = new Set();
  return [...first, ...all].filter((z) => !seen.has(z) && seen.add(z));
}

const isZone = (value) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

/** The input (name `timeZone`) and its datalist; `input.value` is the chosen zone. */
export function timeZonePicker({ name = 'timeZone', value = browserZone() } = {}) {
  const listId = uid('zones');
  const choices = zoneChoices();
  const here = browserZone();
  const list = h(
    'datalist',
    { id: listId, dataset: { zoneList: '' } },
    choices.map((z) =>
      h(
        'option',
        { value: z },
        z === 'UTC' ? 'Coordinated Universal Time' : z === here ? 'Your browser’s zone' : '',
      ),
    ),
  );
  const input = h('input', {
    name,
    list: listId,
    value,
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'e.g. UTC or Asia/Jakarta',
  });
  const check = () =>
    input.setCustomValidity(
      !input.value || isZone(input.value.trim())
        ? ''
        : `“${input.value}” is not a time zone; pick one from the list.`,
    );
  input.addEventListener('input', check);
  input.addEventListener('change', check);
  // Cleared on focus would lose the value; select it instead so typing searches at once.
  input.addEventListener('focus', () => input.select());
  return { input, list };
}
