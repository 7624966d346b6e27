/*
 * A new campaign: session, lists, a {{variable}} template with a live preview for a sample recipient,
 * optional media, when to send (now, at a time in a time zone, or kept as a draft) and the throttle.
 */
import { get, post, upload } from '../api.js';
import { alertBox, append, field, h, pageHeader, replace, select, spinner, uid } from '../dom.js';
import { checkFields, fieldErrors, liveFieldChecks, markField } from '../form-errors.js';
import { missingVariablesCheck } from './campaign-check.js';
import { startRefusal } from './campaign-parts.js';
import { templatePreview } from './campaign-template-preview.js';
import { throttleCard } from './campaign-throttle.js';
import { whenCard } from './campaign-when.js';

/** API field names that differ from the form's input names. */
const FIELD_NAMES = {
  sessionId: 'session',
  listIds: 'lists',
  minDelayMs: 'minDelay',
  maxDelayMs: 'maxDelay',
  typingMinMs: 'typingMin',
  typingMaxMs: 'typingMax',
};

export async function render(root, { navigate, query }) {
  append(root, pageHeader('New campaign'), spinner());
  const [sessions, lists] = await Promise.all([get('/api/v1/sessions'), get('/api/v1/recipient-lists')]);
  root.lastChild.remove();
  if (sessions.length === 0 || lists.length === 0) {
    return append(root, alertBox('info', 'A campaign needs a session and a recipient list first.'));
  }

  const name = h('input', {
    name: 'name',
    required: true,
    maxlength: '120',
    placeholder: 'e.g. December promo',
  });
  const session = select(
    { name: 'session' },
    sessions.map((s) => [s.id, `${s.name} (${s.id}) — ${s.status}`]),
    sessions.find((s) => s.status === 'connected')?.id,
  );
  const listBoxes = lists.map((l) => {
    const id = uid('list');
    const input = h('input', {
      type: 'checkbox',
      class: 'form-check-input',
      id,
      value: String(l.id),
      name: 'lists',
      checked: query.get('list') === String(l.id),
    });
    return {
      input,
      list: l,
      el: h(
        'div',
        { class: 'form-check' },
        input,
        h('label', { class: 'form-check-label', for: id }, `${l.name} (${l.recipientCount})`),
      ),
    };
  });
  const template = h('textarea', {
    name: 'template',
    rows: '5',
    maxlength: '4096',
    required: true,
    placeholder: 'e.g. Hi {{name}}, your code is {{code}}.',
  });
  const media = h('input', {
    type: 'file',
    name: 'media',
    accept: 'image/*,video/*,audio/*,application/pdf,.doc,.docx,.xls,.xlsx,.txt,.zip',
  });

  const when = whenCard();
  const { scheduledAt, timeZone } = when;
  const throttle = throttleCard();
  const check = missingVariablesCheck({
    template: () => template.value,
    lists: () => listBoxes.filter((b) => b.input.checked).map((b) => b.list),
  });

  const { sample, preview, variableChips, loadSamples, drawPreview } = templatePreview(template, () =>
    listBoxes.filter((b) => b.input.checked).map((b) => b.list.id),
  );
  template.addEventListener('input', drawPreview);
  template.addEventListener('input', check.soon);
  sample.addEventListener('change', drawPreview);
  for (const b of listBoxes)
    b.input.addEventListener('change', () => {
      void loadSamples().catch(() => undefined);
      void check.refresh();
    });

  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create campaign');
  const mediaProgress = h('div', { class: 'small text-secondary' });

  const form = h(
    'form',
    {
      id: 'campaign-form',
      novalidate: true,
      on: {
        submit: async (event) => {
          event.preventDefault();
          replace(status);
          const listIds = listBoxes.filter((b) => b.input.checked).map((b) => b.list.id);
          const mode = when.mode();
          // Every field in error says so at once, not one at a time; the cursor goes to the first.
          const fieldsValid = checkFields(form);
          const listChosen = listIds.length > 0;
          if (!listChosen) markField(listBoxes[0].input, 'Choose at least one recipient list.');
          const timeChosen = mode !== 'later' || Boolean(scheduledAt.value);
          if (!timeChosen) markField(scheduledAt, 'Choose the date and time to send it.');
          if (!fieldsValid || !listChosen || !timeChosen) {
            form.querySelector('[aria-invalid]')?.focus();
            return;
          }
          submit.disabled = true;
          // Who lacks a variable is asked before anything is created; a start needs a choice then.
          if (mode !== 'draft' && !(await check.decide())) {
            submit.disabled = false;
            return;
          }
          let campaign = null;
          try {
            campaign = await post('/api/v1/campaigns', {
              name: name.value.trim(),
              sessionId: session.value,
              template: template.value,
              listIds,
              timeZone: timeZone.value,
              ...throttle.values(),
            });
            if (media.files?.[0]) {
              const body = new FormData();
              body.append('file', media.files[0]);
              await upload(
                `/api/v1/campaigns/${campaign.id}/media`,
                body,
                (f) => (mediaProgress.textContent = `Uploading media: ${Math.round(f * 100)}%`),
              );
            }
            const chosen = check.policy();
            const policy = chosen ? { missingVariables: chosen } : {};
            if (mode === 'now') await post(`/api/v1/campaigns/${campaign.id}/start`, policy);
            if (mode === 'later')
              await post(`/api/v1/campaigns/${campaign.id}/schedule`, {
                ...policy,
                scheduledAt: scheduledAt.value,
                timeZone: timeZone.value,
              });
            navigate(`/campaigns/${campaign.id}`);
          } catch (error) {
            if (campaign) {
              // The draft exists; its page shows what stops it and offers the start again.
              navigate(`/campaigns/${campaign.id}`, {
                state: { notice: `Saved as a draft, but not started: ${startRefusal(error)}` },
              });
            } else fieldErrors(form, error, { names: FIELD_NAMES });
          } finally {
            submit.disabled = false;
          }
        },
      },
    },
    h(
      'div',
      { class: 'row g-4' },
      h(
        'div',
        { class: 'col-lg-7' },
        h(
          'section',
          { class: 'card mb-4' },
          h(
            'div',
            { class: 'card-body' },
            h('h2', { class: 'h5' }, 'Message'),
            field('Name', name),
            field('Session that sends it', session),
            h(
              'fieldset',
              { class: 'mb-3' },
              h('legend', { class: 'form-label fs-6' }, 'Recipient lists'),
              listBoxes.map((b) => b.el),
            ),
            field('Template', template, 'Use {{name}}, {{phone}} or any column of the CSV, e.g. {{code}}.'),
            variableChips,
            field(
              'Media (optional)',
              media,
              'An image, video, audio or document; the text becomes its caption.',
            ),
            mediaProgress,
          ),
        ),
      ),
      h(
        'div',
        { class: 'col-lg-5' },
        h(
          'section',
          { class: 'card mb-4', 'aria-labelledby': 'preview-title' },
          h(
            'div',
            { class: 'card-body' },
            h('h2', { class: 'h5', id: 'preview-title' }, 'Preview'),
            field('Sample recipient', sample),
            h(
              'p',
              { class: 'small text-secondary', id: 'preview-help' },
              'What this recipient would receive:',
            ),
            preview,
          ),
        ),
        when.el,
        throttle.el,
      ),
    ),
    check.el,
    status,
    submit,
  );
  liveFieldChecks(form);
  append(root, form);
  form.addEventListener('change', (event) => {
    if (event.target.name === 'lists') markField(listBoxes[0].input, null);
    if (event.target.name === 'missingVariables') markField(event.target, null);
  });
  await loadSamples().catch(() => undefined);
  drawPreview();
}
