/*
 * The send box of a conversation: a text (Enter sends, Shift+Enter is a new line), an attachment
 * (uploaded as multipart to messages/<kind>; an audio optionally as a voice note), a reply to a
 * chosen message, a poll; while the user types, the contact sees "typing…" (composing, then paused
 * after a pause in typing).
 */
import { post, upload } from '../api.js';
import { errorBox, field, h, modal, replace } from '../dom.js';
import { authorOf, summaryOf } from './conversation-bubble.js';

/** Re-send "composing" at most this often while typing; "paused" after this long without a key. */
const COMPOSING_EVERY_MS = 8000;
const PAUSED_AFTER_MS = 3000;

/** Which send route an attachment goes to, by its type (what WhatsApp shows inline; else a document). */
export function mediaKindOf(file) {
  const type = file.type ?? '';
  if (['image/jpeg', 'image/png'].includes(type)) return 'image';
  if (type === 'image/webp') return 'sticker';
  if (['video/mp4', 'video/3gpp'].includes(type)) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  return 'document';
}

/**
 * Creates the composer for `chat` ({ chatJid }). `onSent()` runs after each send.
 * Answers { el, replyTo(message), close }.
 */
export function createComposer({ sessionId, chat, onSent }) {
  const base = `/api/v1/sessions/${encodeURIComponent(sessionId)}`;
  let replying = null;
  /** Send the attached audio as a voice note (ptt): WhatsApp plays it in the chat with a waveform. */
  let asVoiceNote = false;
  let composingSentAt = 0;
  let pauseTimer = null;

  const presence = (state) => post(`${base}/presence`, { state, to: chat.chatJid }).catch(() => undefined);
  const typed = () => {
    const now = Date.now();
    if (now - composingSentAt > COMPOSING_EVERY_MS) {
      composingSentAt = now;
      void presence('composing');
    }
    clearTimeout(pauseTimer);
    pauseTimer = setTimeout(stopTyping, PAUSED_AFTER_MS);
  };
  const stopTyping = () => {
    clearTimeout(pauseTimer);
    pauseTimer = null;
    if (!composingSentAt) return;
    composingSentAt = 0;
    void presence('paused');
  };

  const text = h('textarea', {
    class: 'form-control',
    name: 'text',
    rows: '2',
    placeholder: 'Write a message',
    'aria-label': 'Message',
    maxlength: '4096',
    on: {
      input: () => (text.value ? typed() : stopTyping()),
      keydown: (event) => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          form.requestSubmit();
        }
      },
    },
  });
  const file = h('input', {
    type: 'file',
    name: 'file',
    class: 'visually-hidden',
    id: 'composer-file',
    on: { change: () => ((asVoiceNote = false), drawExtras()) },
  });
  const extras = h('div', { class: 'composer-extras' });
  const problem = h('div');
  const sendButton = h('button', { type: 'submit', class: 'btn btn-primary btn-sm ms-auto px-4' }, 'Send');

  function drawExtras() {
    const chosen = file.files?.[0];
    replace(
      extras,
      replying &&
        h(
          'div',
          { class: 'composer-reply small', dataset: { replyingTo: replying.messageId } },
          h(
            'div',
            { class: 'flex-grow-1 text-truncate' },
            h('span', { class: 'fw-semibold' }, `Replying to ${authorOf(replying)}: `),
            summaryOf(replying),
          ),
          h('button', {
            type: 'button',
            class: 'btn-close',
            'aria-label': 'Cancel the reply',
            on: { click: () => replyTo(null) },
          }),
        ),
      chosen &&
        h(
          'div',
          { class: 'composer-reply small', dataset: { attachment: chosen.name } },
          h(
            'div',
            { class: 'flex-grow-1 text-truncate' },
            `Attachment (${mediaKindOf(chosen)}): ${chosen.name}`,
          ),
          mediaKindOf(chosen) === 'audio' && voiceNoteChoice(),
          h('button', {
            type: 'button',
            class: 'btn-close',
            'aria-label': 'Remove the attachment',
            on: { click: () => ((file.value = ''), drawExtras()) },
          }),
        ),
    );
  }

  function voiceNoteChoice() {
    const box = h('input', {
      type: 'checkbox',
      class: 'form-check-input',
      name: 'ptt',
      id: 'composer-ptt',
      checked: asVoiceNote,
      on: { change: () => (asVoiceNote = box.checked) },
    });
    return h(
      'div',
      { class: 'form-check mb-0 text-nowrap', title: 'WhatsApp records its voice notes as ogg/opus' },
      box,
      h('label', { class: 'form-check-label', for: 'composer-ptt' }, 'Send as voice note'),
    );
  }

  function replyTo(message) {
    replying = message;
    drawExtras();
    if (message) text.focus();
  }

  async function send() {
    const chosen = file.files?.[0];
    const body = text.value;
    if (!chosen && !body.trim()) return;
    if (chosen) {
      const kind = mediaKindOf(chosen);
      const form = new FormData();
      form.set('to', chat.chatJid);
      if (replying) form.set('quotedMessageId', replying.messageId);
      if (body.trim() && kind !== 'audio' && kind !== 'sticker') form.set('caption', body);
      if (kind === 'document') form.set('fileName', chosen.name);
      if (kind === 'audio' && asVoiceNote) form.set('ptt', 'true');
      form.set('file', chosen);
      await upload(`${base}/messages/${kind}`, form);
    } else {
      await post(`${base}/messages/text`, {
        to: chat.chatJid,
        text: body,
        ...(replying ? { quotedMessageId: replying.messageId } : {}),
      });
    }
    clearTimeout(pauseTimer);
    composingSentAt = 0;
    text.value = '';
    file.value = '';
    asVoiceNote = false;
    replyTo(null);
  }

  async function sendPoll() {
    const question = h('input', { name: 'poll-question', maxlength: '255', required: true });
    const options = h('textarea', { name: 'poll-options', rows: '4', placeholder: 'Yes\nNo' });
    const multiple = h('input', { type: 'checkbox', name: 'poll-multiple' });
    const answer = await modal({
      title: 'Send a poll',
      body: h(
        'div',
        { id: 'poll-form' },
        field('Question', question),
        field('Options, one per line (2 to 12)', options),
        field('Let people choose several', multiple),
      ),
      buttons: [
        ['Cancel', 'secondary', null],
        ['Send poll', 'primary', 'send'],
      ],
    });
    if (answer !== 'send') return;
    const choices = options.value
      .split('\n')
      .map((o) => o.trim())
      .filter(Boolean);
    try {
      await post(`${base}/messages/poll`, {
        to: chat.chatJid,
        question: question.value,
        options: choices,
        multiple: multiple.checked,
      });
      onSent();
    } catch (error) {
      replace(problem, errorBox(error));
    }
  }

  const form = h(
    'form',
    {
      id: 'conversation-composer',
      class: 'conversation-composer',
      on: {
        submit: async (event) => {
          event.preventDefault();
          sendButton.disabled = true;
          replace(problem);
          try {
            await send();
            onSent();
          } catch (error) {
            replace(problem, errorBox(error));
          } finally {
            sendButton.disabled = false;
            text.focus();
          }
        },
      },
    },
    problem,
    extras,
    text,
    h(
      'div',
      { class: 'd-flex gap-2 mt-2' },
      file,
      h(
        'label',
        {
          for: 'composer-file',
          class: 'btn btn-outline-secondary btn-sm',
          title: 'Attach a picture, video, audio or document',
          role: 'button',
          tabindex: '0',
          on: { keydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), file.click()) },
        },
        'Attach',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-outline-secondary btn-sm',
          title: 'Send a poll',
          on: { click: () => void sendPoll() },
        },
        'Poll',
      ),
      h(
        'span',
        { class: 'small text-secondary align-self-center d-none d-lg-inline' },
        'Enter sends, Shift+Enter: new line',
      ),
      sendButton,
    ),
  );
  return {
    el: form,
    replyTo,
    close: () => {
      if (composingSentAt) stopTyping();
      clearTimeout(pauseTimer);
    },
  };
}
