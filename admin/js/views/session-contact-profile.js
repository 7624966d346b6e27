/* One contact's profile as WhatsApp shows it now: the picture (or a placeholder) and the about text. */
import { get } from '../api.js';
import { append, errorBox, formatDate, h, replace, spinner } from '../dom.js';

export const sessionPath = (id, rest = '') => `/api/v1/sessions/${encodeURIComponent(id)}${rest}`;
export const contactPath = (id, phone, rest = '') =>
  sessionPath(id, `/contacts/${encodeURIComponent(phone)}${rest}`);
export const titleOf = (c) =>
  c.savedName || c.name || c.pushName || c.verifiedName || (c.phoneNumber ? `+${c.phoneNumber}` : c.lid);

const AVATAR = { width: '3rem', height: '3rem', objectFit: 'cover', flex: 'none' };

/** A grey circle with the name's first letter, where WhatsApp gives no picture. */
const placeholder = (c) =>
  h(
    'span',
    {
      class:
        'rounded-circle bg-secondary-subtle text-secondary fw-semibold d-inline-flex align-items-center justify-content-center',
      style: AVATAR,
      dataset: { noPicture: '' },
      'aria-hidden': 'true',
    },
    (titleOf(c) ?? '?').replace(/^\+/, '').charAt(0).toUpperCase() || '?',
  );

/** The picture WhatsApp answered (its own short-lived URL), or the placeholder when it cannot show. */
function picture(c, url) {
  if (!url)
    return h('div', { class: 'd-flex align-items-center gap-2' }, placeholder(c), 'No profile picture');
  const box = h('div', { class: 'd-flex align-items-center gap-2' });
  const img = h('img', {
    src: url,
    alt: `Profile picture of ${titleOf(c)}`,
    loading: 'lazy',
    referrerpolicy: 'no-referrer',
    class: 'rounded-circle',
    style: AVATAR,
    dataset: { profilePicture: '' },
    on: {
      // Refused by the browser (the page's image policy) or gone already (WhatsApp's URLs expire).
      error: () =>
        replace(
          box,
          placeholder(c),
          h(
            'span',
            {},
            'The picture cannot be shown here: ',
            h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, 'open it'),
          ),
        ),
    },
  });
  return append(box, img);
}

/** Picture and about text of one contact, asked when the user opens it. */
export function profileBox(sessionId, c) {
  const box = h('div', { class: 'contact-profile small', dataset: { contactProfileOf: c.phoneNumber } });
  replace(box, spinner('Asking WhatsApp…'));
  get(contactPath(sessionId, c.phoneNumber))
    .then((p) =>
      replace(
        box,
        picture(c, p.profilePictureUrl),
        h(
          'div',
          { class: 'mt-1', dataset: { about: '' } },
          p.about
            ? [`About: ${p.about}`, p.aboutSetAt && ` (since ${formatDate(p.aboutSetAt)})`]
            : 'No about text (or not shown to this account).',
        ),
      ),
    )
    .catch((error) => replace(box, errorBox(error)));
  return box;
}
