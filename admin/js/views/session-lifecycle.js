/*
 * A session's life on its page, explained: the connection card (where it stands, why it last
 * stopped, who runs it) with only the actions its state allows, and the link card (QR, pairing code,
 * a new code after a timeout, the simulated phone in sandbox mode). Both follow `session.status`.
 */
import { del, get, post } from '../api.js';
import { alertBox, busy, confirmAction, errorBox, field, formatDate, h, replace, toast } from '../dom.js';
import * as live from '../live.js';
import { isAdmin } from '../roles.js';
import { pairingCodePanel } from './pairing-code-panel.js';
import { qrPanel } from './session-parts.js';
import { heldByWords, isQrTimeout, phaseOf, standing, stopReason } from './session-words.js';

const path = (id, rest = '') => `/api/v1/sessions/${encodeURIComponent(id)}${rest}`;

function details(s) {
  const row = (label, value, data) => [
    h('dt', { class: 'col-sm-5' }, label),
    h('dd', { class: 'col-sm-7', dataset: data }, value ?? '—'),
  ];
  return h(
    'dl',
    { class: 'row mb-0' },
    row('Phone number', s.phoneNumber),
    row('WhatsApp name', s.pushName),
    row('Gateway process', heldByWords(s) ?? 'None: no gateway process runs it now.', { heldBy: '' }),
    row('Last connected', formatDate(s.lastConnectedAt)),
    row('Last seen', formatDate(s.lastSeenAt)),
    row('Last stop', stopReason(s) ?? 'It has not stopped yet.', { lastStop: '' }),
    row('Created', formatDate(s.createdAt)),
  );
}

/** The actions each phase allows (the API would accept more; these are the ones that make sense). */
const ACTIONS = {
  connected: ['disconnect', 'logout', 'delete'],
  reconnecting: ['cancel', 'logout', 'delete'],
  linking: ['cancel', 'delete'],
  stopped: ['connect', 'logout', 'delete'],
  unlinked: ['connect', 'delete'],
};

/**
 * The connection and link cards of a session page, kept current by the live channel. `guard` is
 * shared with the page: once `guard.deleting` is set, pushes about the session are ignored.
 */
export function lifecycleCards(session, { user, gateway, navigate, operator, guard, onCleanup }) {
  let current = { ...session };
  const standingLine = h('p', { class: 'mb-3', dataset: { standing: '' } });
  const detailBox = h('div');
  const actionBox = h('div', {
    class: 'd-flex flex-wrap gap-2 mt-3',
    dataset: { sessionActions: current.id },
  });
  const linkBox = h('div');
  let linkPhase = null;
  let linkOffs = [];

  const act = (key, label, kind, work, confirm) => {
    const button = h('button', { type: 'button', class: `btn btn-${kind}`, dataset: { action: key } }, label);
    button.addEventListener('click', async () => {
      if (confirm && !(await confirmAction(...confirm))) return;
      await busy(button, work);
    });
    return button;
  };
  const connect = async () => update(await post(path(current.id, '/connect')));
  const buttons = {
    connect: () => act('connect', 'Connect', 'outline-success', connect),
    disconnect: () =>
      act(
        'disconnect',
        'Disconnect',
        'outline-secondary',
        async () => update(await post(path(current.id, '/disconnect'))),
        [
          'Disconnect this session?',
          'The connection closes; the phone stays linked and Connect restores it.',
          'Disconnect',
          'warning',
        ],
      ),
    cancel: () =>
      act(
        'cancel',
        current.status === 'qr_pending' ? 'Cancel linking' : 'Stop connecting',
        'outline-secondary',
        async () => update(await post(path(current.id, '/disconnect'))),
      ),
    logout: () =>
      act(
        'logout',
        'Log out',
        'outline-warning',
        async () => update(await post(path(current.id, '/logout'))),
        [
          'Log this session out of WhatsApp?',
          'The phone is unlinked and its credentials are forgotten; linking again needs a new QR scan.',
          'Log out',
        ],
      ),
    delete: () =>
      act(
        'delete',
        'Delete',
        'outline-danger',
        async () => {
          // The logout that a delete makes pushes `logged_out`: nothing may re-read the session then.
          guard.deleting = true;
          try {
            await del(path(current.id));
          } catch (error) {
            guard.deleting = false;
            throw error;
          }
          toast(`Session "${current.name}" deleted`);
          navigate('/sessions', { replace: true });
        },
        [
          `Delete the session "${current.name}"?`,
          'The device is logged out and the session is deleted with its tokens and messages. This cannot be undone.',
          'Delete',
        ],
      ),
  };

  const sandboxScan = () => {
    const phone = h('input', {
      name: 'simulatedPhone',
      inputmode: 'numeric',
      pattern: '\\d{8,15}',
      required: true,
      value: `62899${String(Date.now()).slice(-8)}`,
    });
    const out = h('div', { 'aria-live': 'polite' });
    const button = h(
      'button',
      { type: 'button', class: 'btn btn-outline-primary', dataset: { sandboxScan: current.id } },
      'Scan with a simulated phone',
    );
    button.addEventListener('click', () =>
      busy(
        button,
        async () => {
          await post(`/api/v1/sandbox/sessions/${encodeURIComponent(current.id)}/link`, {
            phoneNumber: phone.value.replace(/\D/g, ''),
          });
          replace(out, alertBox('success', 'Scanned: the session links in a moment.'));
        },
        (error) => replace(out, errorBox(error)),
      ),
    );
    return h(
      'div',
      { class: 'border rounded p-2 mt-3 bg-body-tertiary' },
      h('p', { class: 'small mb-2' }, 'Sandbox: no real phone needed.'),
      field('Number of the simulated phone', phone),
      button,
      out,
    );
  };

  const drawLink = () => {
    const phase = phaseOf(current);
    const key = `${phase}:${phase === 'unlinked' || phase === 'stopped' ? current.lastDisconnectReason : ''}`;
    if (key === linkPhase) return;
    linkPhase = key;
    linkOffs.forEach((off) => off());
    linkOffs = [];
    const scoped = (off) => linkOffs.push(off);
    if (phase === 'connected') {
      return replace(
        linkBox,
        h(
          'p',
          { class: 'small text-success mb-0', dataset: { linked: '' } },
          `Linked to ${current.phoneNumber ?? 'a phone'}.`,
        ),
      );
    }
    if (!operator) {
      return replace(
        linkBox,
        h('p', { class: 'text-secondary small' }, 'Only operators and admins see QR codes.'),
      );
    }
    if (phase === 'linking' || phase === 'reconnecting') {
      return replace(
        linkBox,
        qrPanel({ ...current, hasQrCode: current.hasQrCode || current.status === 'qr_pending' }, scoped),
        phase === 'linking' &&
          pairingCodePanel(current, { sandboxTyping: Boolean(gateway?.sandbox) && isAdmin(user) }),
        phase === 'linking' && gateway?.sandbox && isAdmin(user) && sandboxScan(),
      );
    }
    if (phase === 'stopped') {
      return replace(
        linkBox,
        h(
          'p',
          { class: 'small mb-2' },
          'The phone is still linked; Connect (on the left) reconnects without a scan.',
        ),
      );
    }
    const expired = isQrTimeout(current);
    const again = h(
      'button',
      { type: 'button', class: 'btn btn-primary', dataset: { newCode: current.id } },
      expired ? 'Get a new code' : 'Show a QR code',
    );
    again.addEventListener('click', () => busy(again, connect, (error) => replace(out, errorBox(error))));
    const out = h('div', { class: 'mt-2' });
    replace(
      linkBox,
      h(
        'div',
        { dataset: { linkState: expired ? 'expired' : 'unlinked' } },
        h(
          'p',
          { class: expired ? 'fw-semibold mb-2' : 'small mb-2' },
          expired
            ? 'The code expired — get a new one.'
            : 'No phone is linked. Ask for a QR code to link one.',
        ),
        again,
        out,
      ),
    );
  };

  const draw = () => {
    standingLine.textContent = standing(current);
    replace(detailBox, details(current));
    if (operator)
      replace(
        actionBox,
        ACTIONS[phaseOf(current)].map((k) => buttons[k]()),
      );
    drawLink();
  };
  function update(view) {
    if (guard.deleting || !view) return;
    current = { ...current, ...view };
    draw();
  }

  onCleanup(() => linkOffs.forEach((off) => off()));
  onCleanup(
    live.on('session.status', (event) => {
      if (event.sessionId !== current.id || guard.deleting) return;
      const next = { ...current, status: event.status };
      if (event.phoneNumber !== undefined && event.phoneNumber !== null) next.phoneNumber = event.phoneNumber;
      // A change that names no reason (a start) leaves the recorded one, as the gateway does.
      if (event.reason !== null || event.code !== null || event.status === 'connected') {
        next.lastDisconnectReason = event.reason ?? null;
        next.lastDisconnectCode = event.code ?? null;
      }
      if (event.status === 'connected') next.lastConnectedAt = event.at ?? new Date().toISOString();
      if (event.status !== 'qr_pending') next.hasQrCode = false;
      update(next);
      // Who runs it now (the lease) is only in the session itself.
      void get(path(current.id))
        .then((fresh) => {
          if (fresh.status === current.status) update(fresh);
        })
        .catch(() => undefined);
    }),
  );
  draw();

  return h(
    'div',
    { class: 'row g-4 mb-4' },
    h(
      'div',
      { class: 'col-lg-7' },
      h(
        'section',
        { class: 'card h-100', 'aria-labelledby': 'connection-title' },
        h(
          'div',
          { class: 'card-body' },
          h('h2', { class: 'h5', id: 'connection-title' }, 'Connection'),
          standingLine,
          detailBox,
          operator && actionBox,
        ),
      ),
    ),
    h(
      'div',
      { class: 'col-lg-5' },
      h(
        'section',
        { class: 'card h-100', 'aria-labelledby': 'qr-title' },
        h('div', { class: 'card-body' }, h('h2', { class: 'h5', id: 'qr-title' }, 'Link a phone'), linkBox),
      ),
    ),
  );
}
