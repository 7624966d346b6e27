/*
 * The login of this browser: an access token (a JWT of a few minutes) and a refresh token that
 * trades for a new pair. Both live in localStorage so a reload (or a second tab) stays logged in.
 * A refresh token works once, so tabs take a lock before refreshing and adopt each other's result.
 */

const STORAGE_KEY = 'wagw.auth';
const REFRESH_MARGIN_MS = 30_000;
const listeners = new Set();

let state = read();
let refreshing = null;

function read() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function write(next) {
  state = next;
  if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener(state);
}

/** From a login, refresh or password-change answer. */
function adopt(tokens) {
  write({
    accessToken: tokens.accessToken,
    expiresAt: Date.now() + tokens.expiresIn * 1000,
    refreshToken: tokens.refreshToken,
    user: tokens.user,
  });
  return state.user;
}

// Another tab logged in, refreshed or logged out.
window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY) return;
  state = read();
  for (const listener of listeners) listener(state);
});

/** Called with the new state whenever the login changes (also from another tab). */
export function onAuthChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const currentUser = () => state?.user ?? null;
export const isLoggedIn = () => Boolean(state?.refreshToken);

export class SessionExpiredError extends Error {
  constructor() {
    super('Your login has ended; please log in again.');
  }
}

/** POSTs to a public auth route; answers the envelope's data or throws its message. */
async function post(path, body, token) {
  const response = await fetch(`/api/v1/auth/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(payload.message ?? `Request failed (${response.status})`);
    error.status = response.status;
    error.code = payload.code;
    error.details = payload.details;
    throw error;
  }
  return payload.data;
}

export const login = async (email, password) => adopt(await post('login', { email, password }));

/** The legacy single dashboard password (only when ADMIN_DASHBOARD_PASSWORD is set). */
export const dashboardLogin = async (password) => adopt(await post('dashboard-login', { password }));

export async function changePassword(currentPassword, newPassword) {
  return adopt(await post('change-password', { currentPassword, newPassword }, await accessToken()));
}

export async function logout() {
  const token = state?.accessToken;
  write(null);
  if (token) await post('logout', {}, token).catch(() => undefined);
}

/** Forgets the login without telling the server (it already said the login is over). */
export const forget = () => write(null);

/** A valid access token, refreshed first when it is about to expire. */
export async function accessToken() {
  if (!state) throw new SessionExpiredError();
  if (state.expiresAt - Date.now() > REFRESH_MARGIN_MS) return state.accessToken;
  await refresh();
  return state.accessToken;
}

/** Trades the refresh token for a new pair, once at a time across every tab of this browser. */
export function refresh() {
  refreshing ??= (
    navigator.locks ? navigator.locks.request('wagw.auth.refresh', doRefresh) : doRefresh()
  ).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function doRefresh() {
  const known = state?.refreshToken;
  state = read();
  if (!state?.refreshToken) throw new SessionExpiredError();
  // Another tab refreshed while this one waited for the lock: use its tokens.
  if (state.refreshToken !== known && state.expiresAt - Date.now() > REFRESH_MARGIN_MS) return;
  try {
    adopt(await post('refresh', { refreshToken: state.refreshToken }));
  } catch (error) {
    if (error.status === 401) {
      write(null);
      throw new SessionExpiredError();
    }
    throw error;
  }
}

/** Re-reads the user (role and mustChangePassword may have changed since the login). */
export async function reloadUser(fetchMe) {
  const user = await fetchMe();
  if (state) write({ ...state, user });
  return user;
}
