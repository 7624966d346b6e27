/*
 * A campaign page's actions: the buttons its status allows (start, schedule, pause, resume, cancel,
 * retry failed, delete) and the CSV report.
 */
import { del, download, post } from '../api.js';
import { busy, confirmAction, field, h, modal, select, toast } from '../dom.js';
import { campaignPath, startRefusal } from './campaign-parts.js';

/** The buttons the campaign's status allows; each re-reads the campaign when done. */
export function actionsBar(c, { reload, navigate }) {
  const act = (label, kind, work, confirm) => {
    const button = h(
      'button',
      {
        type: 'button',
        class: `btn btn-${kind}`,
        dataset: { action: label.toLowerCase().replace(/\s+/g, '-') },
      },
      label,
    );
    button.addEventListener('click', async () => {
      if (confirm && !(await confirmAction(...confirm))) return;
      await busy(
        button,
        async () => {
          await work();
          await reload();
        },
        (error) => toast(startRefusal(error), 'danger'),
      );
    });
    return button;
  };
  const policy = select({ name: 'missingVariables', 'aria-label': 'Recipients missing a variable' }, [
    ['', 'refuse if a variable is missing'],
    ['skip', 'skip recipients missing a variable'],
    ['blank', 'leave missing variables blank'],
  ]);
  const policyBody = () => (policy.value ? { missingVariables: policy.value } : {});
  const s = c.status;
  const buttons = [];
  if (s === 'draft' || s === 'scheduled') {
    buttons.push(
      policy,
      act('Start now', 'primary', () => post(campaignPath(c.id, '/start'), policyBody())),
    );
  }
  if (s === 'draft') buttons.push(act('Schedule', 'outline-primary', () => scheduleDialog(c, policyBody)));
  if (s === 'scheduled')
    buttons.push(act('Unschedule', 'outline-secondary', () => del(campaignPath(c.id, '/schedule'))));
  if (s === 'running') {
    buttons.push(act('Pause', 'warning', () => post(campaignPath(c.id, '/pause'), {})));
  }
  if (s === 'paused') buttons.push(act('Resume', 'success', () => post(campaignPath(c.id, '/resume'))));
  if (['draft', 'scheduled', 'running', 'paused'].includes(s)) {
    buttons.push(
      act('Cancel', 'outline-danger', () => post(campaignPath(c.id, '/cancel')), [
        'Cancel this campaign?',
        'Recipients not sent yet are marked skipped. This cannot be undone.',
        'Cancel campaign',
      ]),
    );
  }
  if (['running', 'paused', 'completed'].includes(s) && c.counts.failed > 0) {
    buttons.push(
      act('Retry failed', 'outline-primary', async () =>
        toast(`${(await post(campaignPath(c.id, '/retry'), {})).retried} recipients queued again`),
      ),
    );
  }
  if (!['running'].includes(s)) {
    buttons.push(
      act(
        'Delete',
        'outline-danger',
        async () => {
          await del(campaignPath(c.id));
          navigate('/campaigns', { replace: true });
        },
        [
          `Delete the campaign "${c.name}"?`,
          'It is deleted with its recipients and media. This cannot be undone.',
          'Delete',
        ],
      ),
    );
  }
  const report = h('button', { type: 'button', class: 'btn btn-outline-secondary' }, 'Report CSV');
  report.addEventListener('click', () => busy(report, () => download(campaignPath(c.id, '/report'))));
  if (s !== 'draft') buttons.push(report);
  return h(
    'div',
    { class: 'd-flex flex-wrap gap-2 align-items-center mb-4', id: 'campaign-actions' },
    buttons.map((b) => (b.tagName === 'SELECT' ? h('div', { style: { maxWidth: '20rem' } }, b) : b)),
  );
}

async function scheduleDialog(c, policyBody) {
  const at = h('input', { type: 'datetime-local', required: true });
  const zone = h('input', { value: c.timeZone, required: true });
  const answer = await modal({
    title: 'Schedule the start',
    body: h(
      'div',
      {},
      field('Date and time', at),
      field('Time zone (IANA)', zone, 'For example Asia/Jakarta or Europe/Berlin.'),
    ),
    buttons: [
      ['Cancel', 'secondary', null],
      ['Schedule', 'primary', 'ok'],
    ],
  });
  if (answer !== 'ok' || !at.value) return;
  await post(campaignPath(c.id, '/schedule'), {
    ...policyBody(),
    scheduledAt: at.value,
    timeZone: zone.value.trim(),
  });
}
