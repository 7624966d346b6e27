import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { User } from '../generated/prisma/client';
import { Clock } from '../auth/clock';
import { UsersRepository } from '../auth/users.repository';

/** Per-account lockout: LOGIN_MAX_FAILURES wrong passwords in a row lock it for LOGIN_LOCKOUT_MINUTES. */
@Injectable()
export class LoginLockout {
  constructor(
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  isLocked(user: User): boolean {
    return user.lockedUntil !== null && user.lockedUntil > this.clock.now();
  }

  /** Counts a wrong password; returns the end of the lock when this failure started one. */
  async recordFailure(userId: number): Promise<Date | null> {
    const failures = await this.users.addFailedLogin(userId);
    if (failures < this.config.LOGIN_MAX_FAILURES) return null;
    const lockedUntil = new Date(this.clock.now().getTime() + this.config.LOGIN_LOCKOUT_MINUTES * 60_000);
    await this.users.update(userId, { lockedUntil, failedLoginCount: 0 });
    return lockedUntil;
  }

  recordSuccess(userId: number): Promise<User> {
    return this.users.update(userId, {
      failedLoginCount: 0,
      lockedUntil: null,
      lastLoginAt: this.clock.now(),
    });
  }
}
