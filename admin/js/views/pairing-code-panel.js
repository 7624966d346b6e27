/* Linking by phone number instead of a QR: asks the gateway for a pairing code and shows it to type on the phone. */
import { post } from '../api.js';
import { alertBox, busy, errorBox, field, h, replace } from '../dom.js';
import { checkFields, clearFieldErrors, fieldErrors, liveFieldChecks } from '../form-errors.js';

const path = (id) => `/api/v1/sessions/${encodeURIComponent(id)}/pairing-code`;

/**
 * "Link with a phone number instead": the number of the phone that will link, then its code, big.
 * With `sandboxTyping` (an admin in sandbox mode) a button types the code on the simulated phone.
 */
export function pairingCodePanel(session, { sandboxTyping = false } = {}) {
  const out = h('div', { class: 'mt-3', 'aria-live': 'polite' });
  const phone = h('input', {
    name: 'phoneNumber',
    type: 'tel',
    required: true,
    autocomplete: 'off',
    inputmode: 'tel',
    maxlength: '40',
    placeholder: 'e.g. +62 812 3456 7890',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-outline-primary' }, 'Get a pairing code');

  const typeOnSimulatedPhone = (code, phoneNumber) => {
    const result = h('div', { class: 'mt-2' });
    const button = h(
      'button',
      { type: 'button', class: 'btn btn-sm btn-outline-secondary', dataset: { typeCode: '' } },
      'Type it on the simulated phone',
    );
    button.addEventListener('click', () =>
      busy(
        button,
        async () => {
          await post('/api/v1/sandbox/pairing-code', { phoneNumber: phoneNumber.replace(/\D/g, ''), code });
          replace(result, alertBox('success', 'Typed: the session links in a moment.'));
        },
        (error) => replace(result, errorBox(error)),
      ),
    );
    return h('div', { class: 'mt-2' }, button, result);
  };

  const showCode = ({ code, phoneNumber, expiresInSeconds }) =>
    replace(
      out,
      h('p', { class: 'small mb-1' }, `Pairing code for ${phoneNumber}:`),
      h(
        'output',
        {
          class: 'pairing-code d-block font-monospace fw-semibold',
          dataset: { pairingCode: code },
          'aria-label': `Pairing code ${code.split('').join(' ')}`,
        },
        code,
      ),
      h(
        'p',
        { class: 'small text-secondary mt-2 mb-0' },
        'On that phone: WhatsApp › Linked devices › Link a device › Link with phone number instead, then type this code.',
        expiresInSeconds > 0
          ? ` It works for about ${Math.max(1, Math.round(expiresInSeconds / 60))} min.`
          : '',
      ),
      sandboxTyping && typeOnSimulatedPhone(code, phoneNumber),
    );

  return h(
    'details',
    { class: 'mt-3', dataset: { pairingCodeFor: session.id } },
    h('summary', {}, 'Link with a phone number instead'),
    liveFieldChecks(
      h(
        'form',
        {
          class: 'mt-2',
          id: 'pairing-code-form',
          on: {
            submit: (e) => {
              e.preventDefault();
              const form = e.currentTarget;
              if (!checkFields(form)) return;
              void busy(
                submit,
                async () => {
                  showCode(await post(path(session.id), { phoneNumber: phone.value.trim() }));
                  clearFieldErrors(form);
                },
                (error) => (error.details?.length ? fieldErrors(form, error) : replace(out, errorBox(error))),
              );
            },
          },
        },
        field('Phone number of the phone to link (with country code)', phone),
        submit,
      ),
    ),
    out,
  );
}
