import { DomainError } from '../common/errors';
import { IDEMPOTENCY_KEY_MAX, parseSendRequest } from './send-request';

const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('VALIDATION_ERROR');
    return ((error as DomainError).details ?? []).map((d) => d.field);
  }
  throw new Error('expected a validation error');
};

describe('parseSendRequest', () => {
  it('reads the Idempotency-Key and wait', () => {
    expect(parseSendRequest(undefined, undefined)).toEqual({});
    expect(parseSendRequest('order-42:retry', 'true')).toEqual({
      idempotencyKey: 'order-42:retry',
      wait: true,
    });
    expect(parseSendRequest('k'.repeat(IDEMPOTENCY_KEY_MAX), '0')).toEqual({
      idempotencyKey: 'k'.repeat(IDEMPOTENCY_KEY_MAX),
      wait: false,
    });
    expect(parseSendRequest(undefined, '')).toEqual({ wait: true });
  });

  it('refuses a key too long, empty, or with spaces or non-ASCII, and a wait that is not a boolean', () => {
    expect(fieldsOf(() => parseSendRequest('k'.repeat(IDEMPOTENCY_KEY_MAX + 1), undefined))).toEqual([
      'Idempotency-Key',
    ]);
    expect(fieldsOf(() => parseSendRequest('', undefined))).toEqual(['Idempotency-Key']);
    expect(fieldsOf(() => parseSendRequest('two words', undefined))).toEqual(['Idempotency-Key']);
    expect(fieldsOf(() => parseSendRequest('clé', undefined))).toEqual(['Idempotency-Key']);
    expect(fieldsOf(() => parseSendRequest('ok', 'soon'))).toEqual(['wait']);
    expect(fieldsOf(() => parseSendRequest(' ', ['true', 'false']))).toEqual(['Idempotency-Key', 'wait']);
  });
});
