import { DomainError } from '../common/errors';
import { groupErrorOf, whatsappCodeOf } from './group-errors';

/** What Baileys rejects with when WhatsApp answers an iq with `<error code text/>`. */
const boom = (code: number) => Object.assign(new Error('refused'), { isBoom: true, data: code });

describe('group refusals', () => {
  it.each([
    [404, 'GROUP_NOT_FOUND', 404],
    [403, 'NOT_A_PARTICIPANT', 403],
    [401, 'GROUP_NOT_ADMIN', 403],
    [409, 'GROUP_CONFLICT', 409],
    [406, 'GROUP_REFUSED', 422],
    [410, 'GROUP_REFUSED', 422],
  ])('WhatsApp %i is %s (%i)', (code, expected, status) => {
    const error = groupErrorOf(boom(code), '120363041234567890@g.us');
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(expected);
    expect((error as DomainError).status).toBe(status);
  });

  it.each([404, 406, 410])('an invite code refused with %i is INVITE_NOT_FOUND', (code) => {
    expect((groupErrorOf(boom(code), null, { invite: true }) as DomainError).code).toBe('INVITE_NOT_FOUND');
  });

  it('leaves other errors as they are (a timeout, a closed socket, a 5xx)', () => {
    const timeout = Object.assign(new Error('Timed Out'), { isBoom: true, data: undefined });
    const server = boom(500);
    const plain = new Error('Connection Closed');
    expect(groupErrorOf(timeout, null)).toBe(timeout);
    expect(groupErrorOf(server, null)).toBe(server);
    expect(groupErrorOf(plain, null)).toBe(plain);
    expect(whatsappCodeOf('x')).toBeNull();
  });
});
