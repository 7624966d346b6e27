import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { User } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { Clock } from './clock';

/** Per-account lockout: LOGIN_MAX_FAILURES wrong passwords in a row lock it for LOGIN_LOCKOUT_MINUTES. */
@Injectable()
export class LoginLockout {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  isLocked(user: User): boolean {
    return user.lockedUntil !== null && user.lockedUntil > this.clock.now();
  }

  /** Counts a wrong password; returns the end of the lock when this failure started one. */
  async recordFailure(userId: number): Promise<Date | null> {
    const { failedLoginCount } = await this.prisma.user.update({
      where: { id: userId },
      data: { failedLoginCount: { increment: 1 } },
      select: { failedLoginCount: true },
    });
    if (failedLoginCount < this.config.LOGIN_MAX_FAILURES) return null;
    const lockedUntil = new Date(this.clock.now().getTime() + this.config.LOGIN_LOCKOUT_MINUTES * 60_000);
    await this.prisma.user.update({ where: { id: userId }, data: { lockedUntil, failedLoginCount: 0 } });
    return lockedUntil;
  }

  recordSuccess(userId: number): Promise<User> {
    return this.prisma.user.update({
      where: { id: userId },
      data: { failedLoginCount: 0, lockedUntil: null, lastLoginAt: this.clock.now() },
    });
  }
}
