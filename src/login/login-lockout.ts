import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { User } from '../generated/prisma/client';
import { Clock } from '../auth/clock';
import { UsersRepository } from '../auth/users.repository';
import { LoginFailuresRepository } from './login-failures.repository';

/** The failure counter of the legacy dashboard password: its own, apart from every user's. */
export const LEGACY_PASSWORD_ACCOUNT = 'legacy-password';
export const userAccount = (userId: number): string => `user:${userId}`;

/** Longest account-wide lock, however often it repeats. */
const MAX_ACCOUNT_LOCK_MS = 24 * 3_600_000;

/** Why a login is refused before its password counts: this address, or the account for everyone. */
export interface Lock {
  scope: 'address' | 'account';
  lockedUntil: Date | null;
}

/**
 * Lockout that decays and that a stranger cannot turn against the real user. Failures are counted in
 * a sliding window of LOGIN_LOCKOUT_MINUTES:
 * - per account and address: LOGIN_MAX_FAILURES failures from one address refuse that account from
 *   that address only, until the oldest of them leaves the window;
 * - per account from every address: LOGIN_ACCOUNT_MAX_FAILURES (distributed guessing) lock the
 *   account for everyone (users.locked_until) for the window, doubled at each lock in a row (up to a
 *   day; failed_login_count counts those locks), until a success.
 * Attempts refused by a lock are not counted, so one address can never reach the account-wide bound
 * alone. The legacy password has the same rules on its own account (its account-wide lock is the
 * window's count itself, with no row to hold a backoff).
 */
@Injectable()
export class LoginLockout {
  constructor(
    private readonly users: UsersRepository,
    private readonly failures: LoginFailuresRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  private get windowMs(): number {
    return this.config.LOGIN_LOCKOUT_MINUTES * 60_000;
  }

  /** The lock that refuses this attempt, if any. `user`: the account's row (its account-wide lock). */
  async lockOf(account: string, ip: string | null, user?: User): Promise<Lock | null> {
    const now = this.clock.now();
    if (user?.lockedUntil && user.lockedUntil > now)
      return { scope: 'account', lockedUntil: user.lockedUntil };
    const max = this.config.LOGIN_MAX_FAILURES;
    const counts = await this.failures.counts(account, ip ?? '', this.windowStart(now), max);
    if (counts.fromIp >= max) {
      return { scope: 'address', lockedUntil: new Date(counts.fromIpTimes[0].getTime() + this.windowMs) };
    }
    // The legacy password has no row for its account-wide lock: the window's count is the lock.
    if (!user && counts.total >= this.config.LOGIN_ACCOUNT_MAX_FAILURES)
      return { scope: 'account', lockedUntil: null };
    return null;
  }

  /** Counts a wrong password; returns the lock this failure started, if any. */
  async recordFailure(account: string, ip: string | null, user?: User): Promise<Lock | null> {
    const now = this.clock.now();
    await this.failures.add(account, ip ?? '', now, this.windowStart(now));
    const max = this.config.LOGIN_MAX_FAILURES;
    const counts = await this.failures.counts(account, ip ?? '', this.windowStart(now), max);
    if (counts.total >= this.config.LOGIN_ACCOUNT_MAX_FAILURES) {
      if (!user) return { scope: 'account', lockedUntil: null };
      const lockMs = Math.min(this.windowMs * 2 ** user.failedLoginCount, MAX_ACCOUNT_LOCK_MS);
      const lockedUntil = new Date(now.getTime() + lockMs);
      await this.users.update(user.id, { lockedUntil, failedLoginCount: user.failedLoginCount + 1 });
      return { scope: 'account', lockedUntil };
    }
    if (counts.fromIp >= max) {
      return { scope: 'address', lockedUntil: new Date(counts.fromIpTimes[0].getTime() + this.windowMs) };
    }
    return null;
  }

  /** A success clears this address's failures for the account, and an account-wide lock's backoff. */
  async recordSuccess(userId: number, ip: string | null): Promise<User> {
    await this.failures.clear(userAccount(userId), ip ?? '');
    return this.users.update(userId, {
      failedLoginCount: 0,
      lockedUntil: null,
      lastLoginAt: this.clock.now(),
    });
  }

  async recordLegacySuccess(ip: string | null): Promise<void> {
    await this.failures.clear(LEGACY_PASSWORD_ACCOUNT, ip ?? '');
  }

  private windowStart(now: Date): Date {
    return new Date(now.getTime() - this.windowMs);
  }
}
