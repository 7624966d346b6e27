import { Prisma } from '../generated/prisma/client';
import { isDatabaseError, refusalReason, retryDelay } from './send-errors';

describe('campaign send errors', () => {
  it('backs off exponentially with jitter, capped at an hour', () => {
    expect(retryDelay(30_000, 1, () => 0.5)).toBe(30_000);
    expect(retryDelay(30_000, 2, () => 0.5)).toBe(60_000);
    expect(retryDelay(30_000, 3, () => 0)).toBe(90_000);
    expect(retryDelay(30_000, 3, () => 1)).toBe(150_000);
    expect(retryDelay(30_000, 20, () => 0.5)).toBe(3_600_000);
  });

  it("names WhatsApp's refusal code when there is one", () => {
    expect(refusalReason(463)).toMatch(
      /^WhatsApp refused a message with error 463 \(reach-out to new contacts restricted\)/,
    );
    expect(refusalReason(429)).toMatch(/error 429 \(rate limit reached\)/);
    expect(refusalReason(null)).toMatch(/\(no error code reported\)/);
  });

  it('tells database failures (outcome unknown) from send failures', () => {
    expect(
      isDatabaseError(new Prisma.PrismaClientKnownRequestError('x', { code: 'P2034', clientVersion: '7' })),
    ).toBe(true);
    const adapter = new Error('connection lost');
    adapter.name = 'DriverAdapterError';
    expect(isDatabaseError(adapter)).toBe(true);
    expect(isDatabaseError(new Error('Connection Closed'))).toBe(false);
  });
});
