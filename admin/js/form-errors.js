/*
 * Errors beside the fields they are about: the field details of the API's 400 answers and the
 * browser's own checks (required, type, length), each under its input, marked `is-invalid`, with a
 * summary at the top of the form for what has no field to stand beside.
 */
import { h, replace } from './dom.js';

/** The label text of a control, for sentences like "Email is required." */
function labelOf(control) {
  const label = control.id ? control.form?.querySelector(`label[for="${CSS.escape(control.id)}"]`) : null;
  return (label?.textContent ?? control.getAttribute('aria-label') ?? control.name ?? 'This field').trim();
}

/** The browser's verdict on one control, in the project's own words. */
export function validityMessage(control) {
  const v = control.validity;
  if (!v || v.valid) return null;
  // A step is the spinner's increment, not a rule: 0.02 s is a fine pause (the API judges).
  const flags = ['valueMissing', 'typeMismatch', 'patternMismatch', 'tooShort', 'tooLong'];
  const more = ['rangeUnderflow', 'rangeOverflow', 'badInput', 'customError'];
  if (v.stepMismatch && ![...flags, ...more].some((f) => v[f])) return null;
  const label = labelOf(control);
  if (v.valueMissing)
    return control.type === 'checkbox' || control.type === 'radio'
      ? `Choose ${label.toLowerCase()}.`
      : `${label} is required.`;
  if (v.typeMismatch && control.type === 'email') return 'Enter an email address, like name@example.com.';
  if (v.typeMismatch && control.type === 'url') return 'Enter a full address, like https://example.com/hook.';
  if (v.patternMismatch) return control.title ? `${control.title}.` : `${label} is not in the expected form.`;
  if (v.tooShort) return `At least ${control.minLength} characters (now ${control.value.length}).`;
  if (v.tooLong) return `At most ${control.maxLength} characters.`;
  if (v.rangeUnderflow) return `At least ${control.min}.`;
  if (v.rangeOverflow) return `At most ${control.max}.`;
  if (v.customError) return control.validationMessage;
  return control.validationMessage || `${label} is not valid.`;
}

/** "email must be an email" -> "Must be an email." (the field is named by its place already). */
function sentence(fieldName, text) {
  const leaf = fieldName.split('.').pop();
  let s = String(text);
  for (const prefix of [`${fieldName} `, `${leaf} `]) if (s.startsWith(prefix)) s = s.slice(prefix.length);
  s = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** Where a control's message goes: after the control, or after its group of choices. */
function anchorOf(control) {
  return (
    control.closest('fieldset') ??
    control.closest('.input-group') ??
    control.closest('.form-check') ??
    control
  );
}

function feedbackFor(control) {
  const anchor = anchorOf(control);
  const key = control.name || control.id;
  const next = anchor.nextElementSibling;
  if (next?.matches('.invalid-feedback') && next.dataset.errorFor === key) return next;
  const feedback = h('div', {
    class: 'invalid-feedback d-block',
    id: `${control.id || key}-error`,
    dataset: { errorFor: key },
  });
  if (anchor.matches('fieldset')) anchor.append(feedback);
  else anchor.after(feedback);
  return feedback;
}

/** Marks one control invalid with its message beside it (null clears it). */
export function markField(control, message) {
  const group = control.name && control.type !== 'radio' && control.type !== 'checkbox' ? [control] : null;
  const controls =
    group ??
    (control.form ? [...control.form.querySelectorAll(`[name="${CSS.escape(control.name)}"]`)] : [control]);
  const feedback = feedbackFor(control);
  if (!message) {
    for (const c of controls) {
      c.classList.remove('is-invalid');
      c.removeAttribute('aria-invalid');
    }
    feedback.remove();
    return;
  }
  replace(feedback, message);
  for (const c of controls) {
    c.classList.add('is-invalid');
    c.setAttribute('aria-invalid', 'true');
    const described = (c.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
    if (!described.includes(feedback.id))
      c.setAttribute('aria-describedby', [...described, feedback.id].join(' '));
  }
}

function summaryOf(form) {
  let box = form.querySelector(':scope > [data-form-summary]');
  if (!box) {
    box = h('div', { dataset: { formSummary: '' }, 'aria-live': 'polite' });
    form.prepend(box);
  }
  return box;
}

/** Removes every message the helpers put in the form. */
export function clearFieldErrors(form) {
  for (const feedback of form.querySelectorAll('.invalid-feedback[data-error-for]')) feedback.remove();
  for (const c of form.querySelectorAll('.is-invalid')) {
    c.classList.remove('is-invalid');
    c.removeAttribute('aria-invalid');
  }
  form.querySelector(':scope > [data-form-summary]')?.replaceChildren();
}

/** The control for an API field name: `names` maps API fields to inputs (name or element). */
function controlFor(form, fieldName, names) {
  const mapped = names[fieldName] ?? names[fieldName.split('.')[0]];
  if (mapped && typeof mapped === 'object') return mapped;
  const name = mapped ?? fieldName;
  return (
    form.querySelector(`[name="${CSS.escape(name)}"]`) ??
    form.querySelector(`[name="${CSS.escape(fieldName.split('.')[0])}"]`)
  );
}

/**
 * Shows an API error in the form: each field detail beside its input, the rest (and an error
 * without details) in the summary at the top. Focuses the first field in error. `names` maps API
 * field names to the form's inputs where they differ: `{ sessionId: 'session' }`.
 */
export function fieldErrors(form, error, { names = {} } = {}) {
  clearFieldErrors(form);
  const details = Array.isArray(error?.details) ? error.details : [];
  const unplaced = [];
  let first = null;
  for (const detail of details) {
    const control = controlFor(form, String(detail.field ?? ''), names);
    const messages = [detail.errors].flat().map((e) => sentence(String(detail.field ?? ''), e));
    if (!control) {
      unplaced.push(`${detail.field}: ${messages.join(' ')}`);
      continue;
    }
    markField(control, messages.join(' '));
    first ??= control;
  }
  const summary = summaryOf(form);
  if (details.length === 0 || unplaced.length > 0) {
    replace(
      summary,
      h(
        'div',
        { class: 'alert alert-danger', role: 'alert' },
        details.length === 0 || unplaced.length === details.length
          ? (error?.message ?? String(error))
          : 'Some values were refused:',
        unplaced.length > 0 &&
          h(
            'ul',
            { class: 'mb-0 mt-1' },
            unplaced.map((u) => h('li', {}, u)),
          ),
      ),
    );
  }
  first?.focus();
}

/**
 * The browser's own checks, shown the same way: true when every field is valid; otherwise each
 * invalid field says why and the first gets the focus. Use on forms marked `novalidate`.
 */
export function checkFields(form) {
  clearFieldErrors(form);
  let first = null;
  for (const control of form.elements) {
    if (!control.willValidate || validityMessage(control) === null) continue;
    if (control.type === 'radio' || control.type === 'checkbox') {
      if (control.form.querySelector(`[name="${CSS.escape(control.name)}"][aria-invalid]`)) continue;
    }
    markField(control, validityMessage(control));
    first ??= control;
  }
  first?.focus();
  return first === null;
}

/**
 * As you type: a field marked invalid is checked again on each change, and its message goes as soon
 * as the value is good (or changes to the browser's reason while it is still bad).
 */
export function liveFieldChecks(form) {
  form.noValidate = true;
  const recheck = (event) => {
    const control = event.target;
    if (!control?.name || !control.classList.contains('is-invalid')) return;
    control.setCustomValidity?.('');
    markField(control, validityMessage(control));
  };
  form.addEventListener('input', recheck);
  form.addEventListener('change', recheck);
  // Leaving a field with a value it will refuse (an email without its @) says so at once; an empty
  // field waits for the submit.
  form.addEventListener('focusout', (event) => {
    const control = event.target;
    if (!control?.name || !control.value || control.type === 'checkbox' || control.type === 'radio') return;
    const message = validityMessage(control);
    if (message) markField(control, message);
  });
  return form;
}
