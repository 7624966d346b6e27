import { backoffDelay, decideOnClose } from './reconnect-policy';

const registered = { attempt: 0, registered: true };

describe('decideOnClose', () => {
  it('reconnects at once after 515 restart-required', () => {
    expect(decideOnClose(515, registered)).toEqual({
      action: 'reconnect',
      delayMs: 0,
      reason: 'restart required',
    });
  });

  it('stops and clears the auth state after 401 logged out', () => {
    expect(decideOnClose(401, registered)).toMatchObject({
      action: 'stop',
      status: 'logged_out',
      clearAuth: true,
    });
  });

  it.each([440, 500, 411, 403])('stops without clearing credentials after %i', (code) => {
    expect(decideOnClose(code, registered)).toMatchObject({
      action: 'stop',
      status: 'disconnected',
      clearAuth: false,
    });
  });

  it('stops when the QR codes ran out, but reconnects a linked session that timed out', () => {
    expect(decideOnClose(408, { attempt: 0, registered: false })).toMatchObject({
      action: 'stop',
      reason: 'QR code expired',
    });
    expect(decideOnClose(408, registered)).toMatchObject({ action: 'reconnect' });
  });

  it.each([428, 503, undefined])('reconnects with backoff after %s', (code) => {
    const decision = decideOnClose(code, { attempt: 3, registered: true });
    expect(decision.action).toBe('reconnect');
    if (decision.action === 'reconnect') expect(decision.delayMs).toBeGreaterThanOrEqual(4000);
  });

  it.each(['noise intermediate certificate signature invalid', 'noise certificate signature invalid'])(
    'stops, naming the cause, when the server certificate chain was refused: %s',
    (error) => {
      expect(decideOnClose(400, { ...registered, error })).toEqual({
        action: 'stop',
        status: 'disconnected',
        clearAuth: false,
        reason: `WhatsApp server certificate not trusted (${error})`,
      });
    },
  );

  it('still reconnects after another 400', () => {
    expect(decideOnClose(400, { ...registered, error: 'Connection Terminated' }).action).toBe('reconnect');
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt, is capped at 60 s, and jitters between half and all of the ceiling', () => {
    expect(backoffDelay(0, () => 1)).toBe(1000);
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(8000);
    expect(backoffDelay(20, () => 1)).toBe(60000);
    expect(backoffDelay(20, () => 0)).toBe(30000);
  });
});
