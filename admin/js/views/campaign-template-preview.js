/* The campaign form's live preview: the template rendered for a sample recipient of the chosen lists. */
import { get } from '../api.js';
import { h, replace, select } from '../dom.js';
import { renderTemplate, templateVariables } from './campaign-parts.js';

const SAMPLE_SIZE = 20;

/** The sample picker, the preview and the variable chips of `template` (a textarea). */
export function templatePreview(template, chosenListIds) {
  const sample = select({ name: 'sample', 'aria-describedby': 'preview-help' }, [['', '—']]);
  const preview = h('div', {
    class: 'template-preview border rounded p-2 bg-body-tertiary',
    id: 'template-preview',
    'aria-live': 'polite',
  });
  const variableChips = h('div', { class: 'd-flex flex-wrap gap-1 mb-2', id: 'variable-chips' });

  // The live preview: the template rendered for a recipient of the chosen lists.
  let samples = [];
  const drawPreview = () => {
    const recipient = samples[Number(sample.value)] ?? null;
    replace(
      variableChips,
      templateVariables(template.value).map((v) =>
        h('span', { class: 'badge text-bg-light border font-monospace' }, `{{${v}}}`),
      ),
    );
    if (!template.value.trim())
      return replace(preview, h('span', { class: 'text-secondary' }, 'Type a message to see it here.'));
    if (!recipient) return replace(preview, template.value);
    const { text, missing } = renderTemplate(template.value, recipient);
    replace(
      preview,
      text,
      missing.length > 0 &&
        h(
          'div',
          { class: 'small text-danger mt-2', dataset: { missing: missing.join(',') } },
          `This recipient has no value for: ${missing.join(', ')}`,
        ),
    );
  };
  const loadSamples = async () => {
    const chosen = chosenListIds();
    samples = [];
    for (const listId of chosen) {
      if (samples.length >= SAMPLE_SIZE) break;
      const { items } = await get(`/api/v1/recipient-lists/${listId}/recipients`, {
        limit: SAMPLE_SIZE - samples.length,
      });
      samples.push(...items);
    }
    replace(
      sample,
      ...(samples.length
        ? samples.map((r, i) => h('option', { value: String(i) }, `${r.name ?? '(no name)'} — ${r.phone}`))
        : [h('option', { value: '' }, '— choose a list —')]),
    );
    drawPreview();
  };
  return { sample, preview, variableChips, loadSamples, drawPreview };
}
