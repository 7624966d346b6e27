/* Pieces of the session views that follow the live channel: the status badge and the QR code. */
import { get } from '../api.js';
import { badge, h, replace, setBadge } from '../dom.js';
import * as live from '../live.js';

/** A status badge that follows `session.status` pushes for this session. */
export function liveStatusBadge(session, onCleanup) {
  const el = badge(session.status, { dataset: { sessionBadge: session.id } });
  onCleanup(
    live.on('session.status', (event) => {
      if (event.sessionId === session.id) setBadge(el, event.status);
    }),
  );
  return el;
}

/**
 * The session's QR code as an image, replaced each time WhatsApp rotates it (a `session.qr` push),
 * until the session connects. Only operators and admins get QR codes (a QR links a phone).
 */
export function qrPanel(session, onCleanup, { thumb = false } = {}) {
  const panel = h('div', { class: 'qr-panel', dataset: { qrFor: session.id } });
  const image = h('img', {
    class: `qr-image border rounded ${thumb ? 'qr-thumb' : ''}`,
    alt: `QR code to link session ${session.name} (scan it with WhatsApp: Linked devices)`,
    dataset: { qr: session.id },
  });
  let status = session.status;
  let shown = null;

  const showWaiting = (text) => {
    shown = null;
    replace(panel, h('p', { class: 'text-secondary small mb-0' }, text));
  };
  const loadQr = async () => {
    try {
      const { qrCode, qr } = await get(`/api/v1/sessions/${encodeURIComponent(session.id)}/qr`);
      if (status === 'connected') return;
      image.src = qrCode;
      image.dataset.qrValue = qr;
      if (shown !== image) {
        shown = image;
        replace(
          panel,
          image,
          !thumb &&
            h(
              'p',
              { class: 'small text-secondary mt-2 mb-0' },
              'On the phone: WhatsApp › Linked devices › Link a device. The code changes every few seconds; this one is always current.',
            ),
        );
      }
    } catch {
      // The QR expired between the push and the request; the next push brings a new one.
    }
  };
  const clear = () => {
    shown = null;
    replace(panel);
  };
  const update = () => {
    if (status === 'qr_pending') {
      if (!shown) showWaiting('Waiting for the QR code…');
    } else if (status === 'connecting') showWaiting('Connecting…');
    else clear();
  };

  onCleanup(
    live.on('session.qr', (event) => {
      if (event.sessionId !== session.id) return;
      status = 'qr_pending';
      void loadQr();
    }),
  );
  onCleanup(
    live.on('session.status', (event) => {
      if (event.sessionId !== session.id) return;
      status = event.status;
      update();
    }),
  );
  update();
  if (session.hasQrCode) void loadQr();
  return panel;
}
