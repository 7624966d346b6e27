/* A connected session's WhatsApp groups: list, members, invite link; operators create groups. */
import { get, post } from '../api.js';
import {
  alertBox,
  badge,
  busy,
  copyButton,
  errorBox,
  field,
  formatDate,
  h,
  replace,
  spinner,
  table,
  toast,
} from '../dom.js';

const groupsPath = (sessionId, rest = '') =>
  `/api/v1/sessions/${encodeURIComponent(sessionId)}/groups${rest}`;
const groupPath = (sessionId, groupId, rest = '') =>
  groupsPath(sessionId, `/${encodeURIComponent(groupId)}${rest}`);

/** "6281..., +62 812 ..." -> ['6281...', '+62 812 ...'] (the server reads and checks each number). */
const phonesOf = (text) =>
  text
    .split(/[\n,;]+/)
    .map((p) => p.trim())
    .filter(Boolean);

function membersTable(group) {
  return table(
    [
      ['Phone number', (p) => p.phoneNumber ?? '—'],
      ['LID', (p) => h('span', { class: 'font-monospace small' }, p.lid ?? '—')],
      ['Role', (p) => p.role],
    ],
    group.participants ?? [],
    { caption: `Members of ${group.subject}`, empty: 'No members are known.' },
  );
}

function inviteBox(sessionId, group, operator) {
  const out = h('div', { class: 'mt-2' });
  if (!operator) return out;
  const show = h('button', { type: 'button', class: 'btn btn-outline-secondary btn-sm' }, 'Invite link');
  show.addEventListener('click', () =>
    busy(show, async () => {
      const invite = await get(groupPath(sessionId, group.id, '/invite'));
      replace(
        out,
        h(
          'div',
          { class: 'input-group input-group-sm' },
          h('input', {
            class: 'form-control font-monospace',
            readonly: true,
            value: invite.link,
            'aria-label': `Invite link of ${group.subject}`,
            dataset: { inviteLink: '' },
          }),
          copyButton(invite.link),
        ),
      );
    }),
  );
  return h('div', {}, show, out);
}

/** One group's members and invite link, loaded when asked. */
function groupDetails(sessionId, group, operator) {
  const box = h('div', { class: 'mt-2' }, spinner('Loading members…'));
  void get(groupPath(sessionId, group.id))
    .then((full) => replace(box, membersTable(full), inviteBox(sessionId, full, operator)))
    .catch((error) => replace(box, errorBox(error)));
  return box;
}

function createForm(sessionId, onCreated) {
  const subject = h('input', { name: 'subject', required: true, maxlength: 100, autocomplete: 'off' });
  const participants = h('textarea', { name: 'participants', rows: 2, required: true });
  const out = h('div');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create group');
  return h(
    'form',
    {
      id: 'group-create-form',
      class: 'mt-3',
      on: {
        submit: (event) => {
          event.preventDefault();
          void busy(
            submit,
            async () => {
              const created = await post(groupsPath(sessionId), {
                subject: subject.value.trim(),
                participants: phonesOf(participants.value),
              });
              toast(`Group "${created.subject}" created`);
              event.target.reset();
              replace(out);
              onCreated();
            },
            (error) => replace(out, errorBox(error)),
          );
        },
      },
    },
    h('h3', { class: 'h6' }, 'New group'),
    field('Name', subject),
    field('Members', participants, 'Phone numbers with country code, one per line or separated by commas.'),
    submit,
    out,
  );
}

/** The Groups card of a session page: shown when the session is connected (WhatsApp is asked live). */
export function groupsSection(session, operator) {
  const body = h('div', {}, spinner('Loading groups…'));
  const card = h(
    'section',
    { class: 'card mb-4', 'aria-labelledby': 'groups-title', id: 'session-groups' },
    h('div', { class: 'card-body' }, h('h2', { class: 'h5', id: 'groups-title' }, 'Groups'), body),
  );
  if (session.status !== 'connected') {
    replace(body, alertBox('info', 'Groups are read from WhatsApp: connect the session to see them.'));
    return card;
  }
  const load = async () => {
    try {
      const groups = await get(groupsPath(session.id));
      const list = table(
        [
          ['Name', (g) => g.subject],
          ['Members', (g) => String(g.size ?? '—')],
          ['My role', (g) => badge(g.myRole ?? 'member')],
          ['Only admins write', (g) => (g.announce ? 'yes' : 'no')],
          ['Created', (g) => formatDate(g.createdAt)],
          [
            '',
            (g) => {
              const more = h(
                'button',
                { type: 'button', class: 'btn btn-outline-secondary btn-sm', dataset: { groupId: g.id } },
                'Members',
              );
              more.addEventListener('click', () => more.replaceWith(groupDetails(session.id, g, operator)));
              return more;
            },
          ],
        ],
        groups,
        { caption: 'Groups this account is in', empty: 'This account is in no group.' },
      );
      replace(body, list, operator && createForm(session.id, () => void load()));
    } catch (error) {
      replace(body, errorBox(error));
    }
  };
  void load();
  return card;
}
