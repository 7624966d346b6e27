/*
 * The gateway's REST API as the SPA uses it: `{ success, message, data }` envelopes, the user's JWT
 * on every call, one refresh-and-retry when the server says the token is no longer good.
 */
import { accessToken, forget, refresh, SessionExpiredError } from './auth.js';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `Request failed (${status})`);
    this.status = status;
    this.code = body?.code ?? null;
    this.details = body?.details ?? null;
  }
}

/** Called when the login is over (refresh refused): the app shows the login page. */
let onLoggedOut = () => undefined;
export const setLoggedOutHandler = (fn) => (onLoggedOut = fn);

/** `/api/v1/x` plus the query parameters that have a value. */
export function url(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function authorizedFetch(target, init = {}) {
  const send = async () =>
    fetch(target, { ...init, headers: { ...init.headers, authorization: `Bearer ${await accessToken()}` } });
  try {
    let response = await send();
    if (response.status === 401) {
      await refresh();
      response = await send();
    }
    if (response.status === 401) throw new SessionExpiredError();
    return response;
  } catch (error) {
    if (error instanceof SessionExpiredError) {
      forget();
      onLoggedOut();
    }
    throw error;
  }
}

/** One API call; answers `data`, throws ApiError. `body` may be an object (JSON) or FormData. */
export async function api(path, { method = 'GET', body, query } = {}) {
  const init = { method, headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const response = await authorizedFetch(url(path, query), init);
  const payload = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload?.data;
}

export const get = (path, query) => api(path, { query });
export const post = (path, body = {}) => api(path, { method: 'POST', body });
export const put = (path, body) => api(path, { method: 'PUT', body });
export const patch = (path, body) => api(path, { method: 'PATCH', body });
export const del = (path) => api(path, { method: 'DELETE' });

/** A file the API streams (CSV export, media): fetched with the JWT, answered as a Blob. */
export async function fetchBlob(path, query) {
  const response = await authorizedFetch(url(path, query));
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const disposition = response.headers.get('content-disposition') ?? '';
  const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? null;
  return { blob: await response.blob(), fileName };
}

/** Downloads an API file (a CSV export) as the browser's own download. */
export async function download(path, query, fallbackName = 'export.csv') {
  const { blob, fileName } = await fetchBlob(path, query);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = fileName ?? fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return fileName ?? fallbackName;
}

/**
 * A multipart upload with progress: fetch() cannot report upload progress, XMLHttpRequest can.
 * `onProgress(fraction)` is called as the bytes leave the browser.
 */
export async function upload(path, formData, onProgress) {
  const send = (token) =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.responseType = 'json';
      xhr.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress?.(e.loaded / e.total));
      xhr.addEventListener('load', () => resolve({ status: xhr.status, body: xhr.response }));
      xhr.addEventListener('error', () =>
        reject(new Error('The upload failed: the gateway could not be reached')),
      );
      xhr.send(formData);
    });
  let result = await send(await accessToken());
  if (result.status === 401) {
    await refresh();
    result = await send(await accessToken());
  }
  if (result.status < 200 || result.status >= 300) throw new ApiError(result.status, result.body);
  return result.body?.data;
}
