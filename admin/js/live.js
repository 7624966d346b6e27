/*
 * The gateway's push channel (/ws): session status, QR codes, messages, campaign progress. It needs
 * a 60-second token from POST /api/v1/auth/ws-token for each connection, reconnects with a growing
 * pause after a drop, and then tells views to re-read what they may have missed (`resync`).
 */
import { post } from './api.js';

const listeners = new Map();
let socket = null;
let wanted = false;
let retryMs = 1000;
let retryTimer = null;
let everOpened = false;

function emit(event, data) {
  for (const fn of listeners.get(event) ?? []) {
    try {
      fn(data);
    } catch (error) {
      console.warn(`A ${event} listener failed`, error);
    }
  }
}

/**
 * Listens to a pushed event (`session.status`, `session.qr`, `message.stored`, `message.status`,
 * `campaign.progress`) or to the channel's own `connection` (true/false) and `resync`. Returns `off`.
 */
export function on(event, fn) {
  if (!listeners.has(event)) listeners.set(event, new Set());
  listeners.get(event).add(fn);
  return () => listeners.get(event)?.delete(fn);
}

export const isOpen = () => socket?.readyState === WebSocket.OPEN;

export function start() {
  wanted = true;
  if (!socket) void open();
}

export function stop() {
  wanted = false;
  clearTimeout(retryTimer);
  socket?.close(1000, 'logout');
  socket = null;
  everOpened = false;
}

async function open() {
  let token;
  try {
    ({ token } = await post('/api/v1/auth/ws-token'));
  } catch {
    return scheduleRetry();
  }
  if (!wanted) return;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket = ws;
  ws.addEventListener('open', () => {
    retryMs = 1000;
    emit('connection', true);
    if (everOpened) emit('resync');
    everOpened = true;
  });
  ws.addEventListener('message', (message) => {
    let parsed;
    try {
      parsed = JSON.parse(message.data);
    } catch {
      return;
    }
    emit(parsed.event, parsed.data);
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = null;
    emit('connection', false);
    if (wanted) scheduleRetry();
  });
}

function scheduleRetry() {
  if (!wanted) return;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => wanted && !socket && void open(), retryMs);
  retryMs = Math.min(retryMs * 2, 30_000);
}
