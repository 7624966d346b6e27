import { DomainError } from '../common/errors';

/** 409: only a session showing QR codes (waiting to be linked, no credentials) can ask for a code. */
export class SessionNotLinkingError extends DomainError {
  constructor(sessionId: string, detail: string) {
    super('SESSION_NOT_LINKING', `Session ${sessionId} is not waiting to be linked: ${detail}`);
  }
}

/** Baileys answers the 8 characters; the phone shows and takes them as two groups of four. */
export const formatPairingCode = (code: string): string =>
  code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
