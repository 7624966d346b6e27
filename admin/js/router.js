/*
 * Client-side routes under /admin (History API). The gateway answers index.html for any /admin/...
 * page, so a reload or a bookmarked link lands on the same view.
 */
export const BASE = '/admin';

let routes = [];
let renderRoute = () => undefined;

/** `pattern` like '/campaigns/:id'; answers the params when `path` matches. */
function match(pattern, path) {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

/** The app-relative path of the current location: '/admin/sessions/x' -> '/sessions/x'. */
export function currentPath() {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return path.replace(/\/+$/, '') || '/';
}

export function resolve(path) {
  for (const route of routes) {
    const params = match(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

/** Goes to an app path ('/campaigns/3'), optionally with a query and state for the next view. */
export function navigate(path, { replace = false, state = null } = {}) {
  const target = `${BASE}${path === '/' ? '/' : path}`;
  if (replace) history.replaceState(state, '', target);
  else history.pushState(state, '', target);
  renderRoute();
}

/** `href` for a link to an app path. */
export const link = (path) => `${BASE}${path === '/' ? '/' : path}`;

export function startRouter(table, render) {
  routes = table;
  renderRoute = render;
  window.addEventListener('popstate', () => renderRoute());
  // Plain links inside the app move between views without reloading the page.
  document.addEventListener('click', (event) => {
    const anchor = event.target.closest?.('a[href]');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    const href = new URL(anchor.href, location.href);
    if (href.origin !== location.origin || !href.pathname.startsWith(BASE)) return;
    event.preventDefault();
    history.pushState(null, '', href.pathname + href.search);
    renderRoute();
  });
  renderRoute();
}
