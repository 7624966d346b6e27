/* Shared by the webhooks page and a session's webhook override. */
import { post } from '../api.js';
import { alertBox, errorBox, h, replace, uid } from '../dom.js';

/** The events a webhook target can subscribe to (none chosen = all). */
export const WEBHOOK_EVENTS = [
  'message.inbound',
  'message.outbound',
  'message.status',
  'session.status',
  'session.qr',
  'campaign.progress',
];

/** A fieldset of event checkboxes; `.selected()` answers the chosen ones. */
export function eventChoices(legend, chosen = [], disabled = false) {
  const boxes = WEBHOOK_EVENTS.map((event) => {
    const id = uid('event');
    const input = h('input', {
      type: 'checkbox',
      class: 'form-check-input',
      id,
      value: event,
      checked: chosen.includes(event),
      disabled,
    });
    return {
      input,
      el: h(
        'div',
        { class: 'form-check form-check-inline' },
        input,
        h('label', { class: 'form-check-label font-monospace small', for: id }, event),
      ),
    };
  });
  const el = h(
    'fieldset',
    { class: 'mb-3' },
    h('legend', { class: 'form-label fs-6' }, legend),
    boxes.map((b) => b.el),
    h('div', { class: 'form-text' }, 'None chosen: every event.'),
  );
  el.selected = () => boxes.filter((b) => b.input.checked).map((b) => b.input.value);
  return el;
}

/** What the receiver answered to a test event: status, latency and the start of its body. */
export function testReport(report) {
  return alertBox(
    report.success ? 'success' : 'danger',
    h(
      'div',
      { class: 'fw-semibold' },
      report.success
        ? 'The receiver accepted the test event.'
        : 'The receiver did not accept the test event.',
    ),
    h(
      'dl',
      { class: 'row small mb-0 mt-2', dataset: { testReport: '' } },
      h('dt', { class: 'col-sm-3' }, 'URL'),
      h('dd', { class: 'col-sm-9 text-break' }, report.url),
      h('dt', { class: 'col-sm-3' }, 'Status'),
      h(
        'dd',
        { class: 'col-sm-9', dataset: { testStatus: '' } },
        report.statusCode === null ? 'no answer' : String(report.statusCode),
      ),
      h('dt', { class: 'col-sm-3' }, 'Latency'),
      h('dd', { class: 'col-sm-9' }, `${report.latencyMs} ms`),
      report.error && [h('dt', { class: 'col-sm-3' }, 'Error'), h('dd', { class: 'col-sm-9' }, report.error)],
    ),
  );
}

/** A "Send test event" button that shows the receiver's status code and latency in `out`. */
export function testButton(out, body) {
  const button = h('button', { type: 'button', class: 'btn btn-outline-primary' }, 'Send test event');
  button.addEventListener('click', async () => {
    button.disabled = true;
    replace(out, h('div', { class: 'text-secondary small', role: 'status' }, 'Sending…'));
    try {
      replace(out, testReport(await post('/api/v1/webhooks/test', body())));
    } catch (error) {
      replace(out, errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
