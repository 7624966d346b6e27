/* The global broker outputs (RabbitMQ, NATS JetStream) beside the global webhook: admins change and test them. */
import { post, put } from '../api.js';
import { alertBox, busy, errorBox, field, h, replace } from '../dom.js';
import { clearFieldErrors, fieldErrors, liveFieldChecks } from '../form-errors.js';
import { eventChoices } from './webhook-parts.js';

const KINDS = [
  {
    kind: 'rabbitmq',
    title: 'RabbitMQ',
    urlPlaceholder: 'amqp://user:password@rabbit.internal:5672/%2F',
    destination: ['exchange', 'Exchange (topic, durable)', 'wa.events'],
    help: 'Routing key: <event>.<sessionId>, e.g. message.inbound.sales.',
  },
  {
    kind: 'nats',
    title: 'NATS JetStream',
    urlPlaceholder: 'nats://user:password@nats.internal:4222',
    destination: ['stream', 'Stream', 'WA_EVENTS'],
    help: 'Subject: <prefix>.<sessionId>.<event>, e.g. wa.sales.message.inbound.',
  },
];

/** What a broker answered to a test event (text only). */
function brokerReport(report) {
  return alertBox(
    report.success ? 'success' : 'danger',
    h(
      'div',
      { class: 'fw-semibold' },
      report.success ? 'The broker confirmed the test event.' : 'The broker did not confirm the test event.',
    ),
    h(
      'dl',
      { class: 'row small mb-0 mt-2', dataset: { brokerReport: report.kind } },
      h('dt', { class: 'col-sm-3' }, 'Broker'),
      h('dd', { class: 'col-sm-9 text-break' }, report.url ?? '—'),
      h('dt', { class: 'col-sm-3' }, report.kind === 'rabbitmq' ? 'Routing key' : 'Subject'),
      h('dd', { class: 'col-sm-9 font-monospace' }, report.address),
      h('dt', { class: 'col-sm-3' }, 'Latency'),
      h('dd', { class: 'col-sm-9' }, `${report.latencyMs} ms`),
      report.error && [h('dt', { class: 'col-sm-3' }, 'Error'), h('dd', { class: 'col-sm-9' }, report.error)],
    ),
  );
}

function outputForm(spec, current, canEdit, out) {
  const [destinationKey, destinationLabel, destinationPlaceholder] = spec.destination;
  const url = h('input', {
    type: 'text',
    name: `${spec.kind}-url`,
    autocomplete: 'off',
    placeholder: current ? `${current.url} (stored; type a new URL to replace it)` : spec.urlPlaceholder,
    disabled: !canEdit,
  });
  const destination = h('input', {
    type: 'text',
    name: `${spec.kind}-${destinationKey}`,
    value: current?.[destinationKey] ?? '',
    placeholder: destinationPlaceholder,
    disabled: !canEdit,
  });
  const prefix =
    spec.kind === 'nats'
      ? h('input', {
          type: 'text',
          name: 'nats-subjectPrefix',
          value: current?.subjectPrefix ?? 'wa',
          disabled: !canEdit,
        })
      : null;
  const signed = h('input', {
    type: 'checkbox',
    class: 'form-check-input',
    id: `${spec.kind}-signed`,
    checked: Boolean(current?.signed),
    disabled: !canEdit,
  });
  const events = eventChoices('Events', current?.events ?? [], !canEdit);
  const send = async (body) => {
    await put('/api/v1/webhooks/brokers', { [spec.kind]: body });
    replace(out, alertBox('success', `${spec.title} output saved.`));
  };
  const save = h('button', { type: 'submit', class: 'btn btn-primary', disabled: !canEdit }, 'Save');
  const remove = h(
    'button',
    { type: 'button', class: 'btn btn-outline-danger', disabled: !canEdit || !current },
    'Remove',
  );
  remove.addEventListener('click', () =>
    busy(
      remove,
      () => send(null),
      (error) => replace(out, errorBox(error)),
    ),
  );
  const test = h(
    'button',
    { type: 'button', class: 'btn btn-outline-primary', disabled: !canEdit || !current },
    'Send test event',
  );
  test.addEventListener('click', () =>
    busy(
      test,
      async () =>
        replace(out, brokerReport(await post('/api/v1/webhooks/brokers/test', { kind: spec.kind }))),
      (error) => replace(out, errorBox(error)),
    ),
  );
  // The API names fields `rabbitmq.url`, `nats.subjectPrefix`…: each refusal goes beside its input.
  const names = {
    [`${spec.kind}.url`]: url,
    [`${spec.kind}.${destinationKey}`]: destination,
    [`${spec.kind}.events`]: events.querySelector('input'),
    [`${spec.kind}.signed`]: signed,
    ...(prefix ? { [`${spec.kind}.subjectPrefix`]: prefix } : {}),
  };
  const form = h(
    'form',
    {
      id: `${spec.kind}-output-form`,
      class: 'mb-4',
      on: {
        submit: (event) => {
          event.preventDefault();
          void busy(
            save,
            async () => {
              await send({
                ...(url.value.trim() ? { url: url.value.trim() } : {}),
                [destinationKey]: destination.value.trim(),
                ...(prefix ? { subjectPrefix: prefix.value.trim() || 'wa' } : {}),
                events: events.selected(),
                signed: signed.checked,
              });
              clearFieldErrors(form);
            },
            (error) => {
              replace(out);
              fieldErrors(form, error, { names });
            },
          );
        },
      },
    },
    h('h3', { class: 'h6' }, spec.title),
    field('URL', url, 'Stored encrypted and never shown again (only its host).'),
    h(
      'div',
      { class: 'row g-2' },
      h('div', { class: 'col-sm-6' }, field(destinationLabel, destination)),
      prefix && h('div', { class: 'col-sm-6' }, field('Subject prefix', prefix)),
    ),
    h('p', { class: 'form-text' }, spec.help),
    events,
    h(
      'div',
      { class: 'form-check mb-3' },
      signed,
      h(
        'label',
        { class: 'form-check-label', for: signed.id },
        'Sign messages (X-Signature headers, the webhook secret)',
      ),
    ),
    h('div', { class: 'd-flex flex-wrap gap-2' }, save, test, remove),
  );
  return liveFieldChecks(form);
}

/** The card: one form per kind; only admins may change or test (broker hosts are not egress-checked). */
export function brokerOutputsCard(outputs, canEdit) {
  const out = h('div', { 'aria-live': 'polite' });
  return h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'brokers-title' },
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'h5', id: 'brokers-title' }, 'Broker outputs'),
      h(
        'p',
        { class: 'small text-secondary' },
        'Every event can also go to RabbitMQ and NATS JetStream, from the same outbox as webhooks ' +
          '(at least once, in order per session, the same retries and dead letters). ' +
          (canEdit ? '' : 'Only admins can change these.'),
      ),
      KINDS.map((spec) => outputForm(spec, outputs[spec.kind], canEdit, out)),
      out,
    ),
  );
}
