import type { FieldError } from './api-envelope';

/**
 * Every error code the gateway answers with, and the HTTP status it stands for. Services and jobs
 * throw a DomainError with one of these; only the exception filter turns it into HTTP.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 400,
  MEDIA_FETCH_FAILED: 400,
  NOT_LINKED: 400,
  WEBHOOK_NOT_CONFIGURED: 400,
  BROKER_NOT_CONFIGURED: 400,
  NO_MEDIA: 400,
  /** A session's proxy did not open a connection to WhatsApp when it was saved. */
  PROXY_UNREACHABLE: 400,
  INVALID_CURRENT_PASSWORD: 400,
  PASSWORD_UNCHANGED: 400,
  INVALID_CSV: 400,
  CSV_EMPTY: 400,
  NOT_CSV: 400,
  CSV_MISSING: 400,
  CSV_TOO_LARGE: 400,
  CSV_NO_PHONE_COLUMN: 400,

  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_REFRESH_TOKEN: 401,

  FORBIDDEN: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  NOT_A_PARTICIPANT: 403,
  GROUP_NOT_ADMIN: 403,

  NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  MEDIA_NOT_FOUND: 404,
  NO_QR: 404,
  LIST_NOT_FOUND: 404,
  RECIPIENT_NOT_FOUND: 404,
  CAMPAIGN_NOT_FOUND: 404,
  DELIVERY_NOT_FOUND: 404,
  CONTACT_NOT_FOUND: 404,
  GROUP_NOT_FOUND: 404,
  INVITE_NOT_FOUND: 404,

  METHOD_NOT_ALLOWED: 405,

  CONFLICT: 409,
  SESSION_EXISTS: 409,
  SESSION_LIMIT: 409,
  SESSION_NOT_CONNECTED: 409,
  SESSION_HELD_ELSEWHERE: 409,
  SESSION_NOT_LINKING: 409,
  RECIPIENT_EXISTS: 409,
  LIST_IN_USE: 409,
  LAST_ADMIN: 409,
  CAMPAIGN_STATE: 409,
  CAMPAIGN_NOT_READY: 409,
  MISSING_VARIABLES: 409,
  NOTHING_TO_RETRY: 409,
  DELIVERY_NOT_DEAD: 409,
  MEDIA_STATE: 409,
  GROUP_CONFLICT: 409,
  /** Not a text this session sent, deleted, or past WhatsApp's window for an edit or a delete. */
  MESSAGE_NOT_EDITABLE: 409,

  PAYLOAD_TOO_LARGE: 413,
  MEDIA_TOO_LARGE: 413,
  UNPROCESSABLE_ENTITY: 422,
  GROUP_REFUSED: 422,
  /** An Idempotency-Key already used for a different send of the session. */
  IDEMPOTENCY_KEY_REUSED: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  /** The process holding the session did not take the request in time (nothing was done). */
  SESSION_HOLDER_UNAVAILABLE: 503,
  /** The process holding the session took the request but did not answer in time (outcome unknown). */
  SESSION_COMMAND_TIMEOUT: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A failure in the domain's words: a code from the one list above, a message for people, field details. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** True for a DomainError (of this code, when one is given). */
export const isDomainError = (error: unknown, code?: ErrorCode): error is DomainError =>
  error instanceof DomainError && (code === undefined || error.code === code);

/** Bad input, with the errors of each field (400 VALIDATION_ERROR). */
export const validationFailed = (details: FieldError[], message = 'Validation failed'): DomainError =>
  new DomainError('VALIDATION_ERROR', message, details);
