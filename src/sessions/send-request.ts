import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader, ApiQuery } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import type { Request } from 'express';
import { validationFailed } from '../common/errors';
import type { FieldError } from '../common/api-envelope';

/** The longest Idempotency-Key taken (the column's width). */
export const IDEMPOTENCY_KEY_MAX = 128;

/** What a send request asks besides its body: its Idempotency-Key, and whether to wait for WhatsApp. */
export interface SendRequest {
  idempotencyKey?: string;
  wait?: boolean;
}

const WAIT_VALUES: Record<string, boolean> = { true: true, '1': true, false: false, '0': false, '': true };

/**
 * Reads the `Idempotency-Key` header (1 to 128 visible ASCII characters) and `?wait=` (true/false,
 * 1/0); anything else is a 400 naming the header or the parameter.
 */
export function parseSendRequest(header: unknown, wait: unknown): SendRequest {
  const errors: FieldError[] = [];
  const request: SendRequest = {};
  if (header !== undefined) {
    const key = Array.isArray(header) ? header.join(',') : String(header);
    if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX || !/^[\x21-\x7e]+$/.test(key))
      errors.push({
        field: 'Idempotency-Key',
        errors: [`Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} visible ASCII characters`],
      });
    else request.idempotencyKey = key;
  }
  if (wait !== undefined) {
    const value = typeof wait === 'string' ? WAIT_VALUES[wait.toLowerCase()] : undefined;
    if (value === undefined) errors.push({ field: 'wait', errors: ['wait must be true or false'] });
    else request.wait = value;
  }
  if (errors.length > 0) throw validationFailed(errors);
  return request;
}

/** The route's SendRequest (a 400 for a bad Idempotency-Key or wait). */
export const SendRequestParam = createParamDecorator((_: unknown, ctx: ExecutionContext): SendRequest => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return parseSendRequest(req.headers['idempotency-key'], req.query.wait);
});

/** OpenAPI for the send routes' Idempotency-Key header and `wait` parameter. */
export const SendRequestDocs = () =>
  applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'A retry with the same key (same session) answers the same message and never sends twice, on any ' +
        'gateway process; the same key with another body is a 422 IDEMPOTENCY_KEY_REUSED',
    }),
    ApiQuery({
      name: 'wait',
      required: false,
      type: Boolean,
      description: 'Wait (up to 15 s) for WhatsApp to take the message, then answer its status',
    }),
  );
