/*
 * The admin SPA's shell: who is logged in, the navigation, the live channel, and which view shows.
 * Each view is a module under views/ with `render(root, ctx)`; it draws into `root` and registers
 * whatever must stop when the user leaves it with `ctx.onCleanup`.
 */
import { get, setLoggedOutHandler } from './api.js';
import * as auth from './auth.js';
import { alertBox, append, errorBox, h, replace, spinner, watchTables } from './dom.js';
import * as live from './live.js';
import { ADMIN_ROLES, OPERATOR_ROLES } from './roles.js';
import { currentPath, link, navigate, resolve, startRouter } from './router.js';

const ROUTES = [
  { path: '/', title: 'Dashboard', load: () => import('./views/dashboard.js') },
  { path: '/sessions', title: 'Sessions', load: () => import('./views/sessions.js') },
  { path: '/sessions/:id', title: 'Session', load: () => import('./views/session-detail.js') },
  { path: '/messages', title: 'Messages', load: () => import('./views/messages.js') },
  { path: '/sessions/:id/messages', title: 'Messages', load: () => import('./views/messages.js') },
  { path: '/sessions/:id/chats', title: 'Conversations', load: () => import('./views/conversations.js') },
  { path: '/sessions/:id/chats/:jid', title: 'Conversation', load: () => import('./views/conversations.js') },
  { path: '/sessions/:id/contacts', title: 'Contacts', load: () => import('./views/session-contacts.js') },
  { path: '/recipients', title: 'Recipients', load: () => import('./views/recipient-lists.js') },
  { path: '/recipients/:id', title: 'Recipient list', load: () => import('./views/recipient-list.js') },
  { path: '/campaigns', title: 'Campaigns', load: () => import('./views/campaigns.js') },
  {
    path: '/campaigns/new',
    title: 'New campaign',
    roles: OPERATOR_ROLES,
    load: () => import('./views/campaign-form.js'),
  },
  { path: '/campaigns/:id', title: 'Campaign', load: () => import('./views/campaign-detail.js') },
  { path: '/webhooks', title: 'Webhooks', roles: OPERATOR_ROLES, load: () => import('./views/webhooks.js') },
  { path: '/users', title: 'Users', roles: ADMIN_ROLES, load: () => import('./views/users.js') },
  { path: '/activity', title: 'Activity', roles: ADMIN_ROLES, load: () => import('./views/activity.js') },
  {
    path: '/sandbox',
    title: 'Sandbox',
    roles: ADMIN_ROLES,
    sandbox: true,
    load: () => import('./views/sandbox.js'),
  },
  { path: '/account', title: 'Account', load: () => import('./views/account.js') },
];

const NAV = [
  ['/', 'Dashboard'],
  ['/sessions', 'Sessions'],
  ['/messages', 'Messages'],
  ['/recipients', 'Recipients'],
  ['/campaigns', 'Campaigns'],
  ['/webhooks', 'Webhooks', OPERATOR_ROLES],
  ['/users', 'Users', ADMIN_ROLES],
  ['/activity', 'Activity', ADMIN_ROLES],
  ['/sandbox', 'Sandbox', ADMIN_ROLES, true],
];

/** Facts about the gateway itself, read once: legacy login enabled, sandbox mode. */
const gateway = { legacyLogin: false, sandbox: false };
let cleanups = [];
let renderCount = 0;
let shownUserKey = null;

const userKey = (user) => (user ? `${user.id}:${user.role}:${user.mustChangePassword}` : '');
const allowed = (roles, user) => !roles || roles.includes(user?.role);

function renderNav(user) {
  const nav = document.getElementById('nav');
  if (!user || user.mustChangePassword) return replace(nav);
  const path = currentPath();
  // A session's messages and conversations belong to "Messages", not to "Sessions".
  const section = /^\/sessions\/[^/]+\/(messages|chats)(\/|$)/.test(path) ? '/messages' : null;
  const active = (target) =>
    section
      ? target === section
      : target === '/'
        ? path === '/'
        : path === target || path.startsWith(`${target}/`);
  const collapseId = 'main-nav';
  const liveBadge = h(
    'span',
    { class: 'badge text-bg-secondary', id: 'live-status', title: 'Live updates over /ws' },
    'offline',
  );
  const setLive = (open) => {
    liveBadge.className = `badge ${open ? 'text-bg-success' : 'text-bg-secondary'}`;
    liveBadge.textContent = open ? 'live' : 'offline';
  };
  setLive(live.isOpen());
  cleanups.push(live.on('connection', setLive));
  replace(
    nav,
    h(
      'nav',
      { class: 'navbar navbar-expand-xl bg-body-tertiary border-bottom', 'aria-label': 'Main' },
      h(
        'div',
        { class: 'container-fluid' },
        h('a', { class: 'navbar-brand fw-semibold', href: link('/') }, 'WhatsApp Gateway'),
        h(
          'button',
          {
            class: 'navbar-toggler',
            type: 'button',
            'data-bs-toggle': 'collapse',
            'data-bs-target': `#${collapseId}`,
            'aria-controls': collapseId,
            'aria-expanded': 'false',
            'aria-label': 'Show the menu',
          },
          h('span', { class: 'navbar-toggler-icon' }),
        ),
        h(
          'div',
          { class: 'collapse navbar-collapse', id: collapseId },
          h(
            'ul',
            { class: 'navbar-nav me-auto' },
            NAV.filter(
              ([, , roles, sandboxOnly]) => allowed(roles, user) && (!sandboxOnly || gateway.sandbox),
            ).map(([target, label]) =>
              h(
                'li',
                { class: 'nav-item' },
                h(
                  'a',
                  {
                    class: `nav-link ${active(target) ? 'active' : ''}`,
                    href: link(target),
                    'aria-current': active(target) ? 'page' : null,
                  },
                  label,
                ),
              ),
            ),
          ),
          h(
            'div',
            { class: 'd-flex align-items-center gap-2 py-2 py-xl-0' },
            liveBadge,
            h(
              'div',
              { class: 'dropdown' },
              h(
                'button',
                {
                  class: 'btn btn-outline-secondary btn-sm dropdown-toggle text-truncate',
                  style: { maxWidth: '16rem' },
                  type: 'button',
                  id: 'user-menu',
                  'data-bs-toggle': 'dropdown',
                  'aria-expanded': 'false',
                },
                user.email,
              ),
              h(
                'ul',
                { class: 'dropdown-menu dropdown-menu-end', 'aria-labelledby': 'user-menu' },
                h(
                  'li',
                  {},
                  h(
                    'span',
                    { class: 'dropdown-item-text small' },
                    'Role: ',
                    h('span', { class: 'badge text-bg-light border', 'data-role': user.role }, user.role),
                  ),
                ),
                h(
                  'li',
                  {},
                  h('a', { class: 'dropdown-item', href: link('/account') }, 'Account and password'),
                ),
                h('li', {}, h('hr', { class: 'dropdown-divider' })),
                h(
                  'li',
                  {},
                  h(
                    'button',
                    { type: 'button', class: 'dropdown-item', id: 'logout-button', on: { click: logout } },
                    'Log out',
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

async function logout() {
  live.stop();
  // The next login starts on the dashboard, not on the page where this one ended.
  history.replaceState(null, '', link('/'));
  await auth.logout();
}

async function render() {
  const count = ++renderCount;
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // A view's cleanup failing must not stop the next view.
    }
  }
  const main = document.getElementById('main');
  const root = h('div', { class: 'view' });
  replace(main, root);
  const user = auth.currentUser();
  shownUserKey = userKey(user);
  renderNav(auth.isLoggedIn() ? user : null);

  let route;
  let params = {};
  if (!auth.isLoggedIn()) route = { title: 'Log in', load: () => import('./views/login.js') };
  else if (user.mustChangePassword)
    route = { title: 'Change your password', load: () => import('./views/account.js') };
  else {
    const found = resolve(currentPath());
    if (!found) {
      document.title = 'Not found · WhatsApp Gateway';
      return replace(
        root,
        alertBox('warning', 'There is no such page. ', h('a', { href: link('/') }, 'Go to the dashboard')),
      );
    }
    ({ route, params } = found);
    if (!allowed(route.roles, user) || (route.sandbox && !gateway.sandbox)) {
      document.title = 'Not allowed · WhatsApp Gateway';
      return replace(root, alertBox('warning', 'Your role may not open this page.'));
    }
  }
  document.title = `${route.title} · WhatsApp Gateway`;
  append(root, spinner());
  try {
    const view = await route.load();
    if (count !== renderCount) return;
    replace(root);
    await view.render(root, {
      params,
      query: new URLSearchParams(location.search),
      state: history.state,
      user,
      gateway,
      navigate,
      onCleanup: (fn) => cleanups.push(fn),
    });
  } catch (error) {
    if (count !== renderCount) return;
    replace(root, errorBox(error));
  }
  if (count === renderCount && history.state?.focus !== false)
    // A view's own first field (the login's email) before its heading.
    (root.querySelector('[autofocus]') ?? root.querySelector('h1'))?.focus({ preventScroll: true });
}

async function boot() {
  const [config, health] = await Promise.all([
    fetch('/admin/config.json')
      .then((r) => r.json())
      .catch(() => ({})),
    fetch('/health')
      .then((r) => r.json())
      .catch(() => ({})),
  ]);
  gateway.legacyLogin = Boolean(config.legacyLogin);
  gateway.sandbox = Boolean(health?.data?.sandbox?.enabled);

  setLoggedOutHandler(() => {
    live.stop();
    render();
  });
  if (auth.isLoggedIn()) {
    try {
      // Role and pending password change as they are now, not as they were at login.
      await auth.reloadUser(() => get('/api/v1/auth/me'));
    } catch {
      // Logged out by the API client already when the login is over; otherwise show what we have.
    }
  }
  const user = auth.currentUser();
  if (auth.isLoggedIn() && user && !user.mustChangePassword) live.start();
  auth.onAuthChange((state) => {
    // Logged in, out or as someone else (maybe in another tab): show the right thing.
    if (userKey(state?.user) === shownUserKey) return;
    if (state?.user && !state.user.mustChangePassword) live.start();
    else live.stop();
    render();
  });
  startRouter(ROUTES, render);
}

const root = document.getElementById('main');
// Every table of every view stacks into cards on phones (labels from its headings).
watchTables(root);
replace(root, spinner('Starting…'));
boot().catch((error) => replace(root, errorBox(error)));
