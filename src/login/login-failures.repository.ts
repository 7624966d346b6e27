import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

/** Failures of one account within a window: from one address, from all, and the oldest of each. */
export interface FailureCounts {
  fromIp: number;
  /** The oldest failures still counted from this address, oldest first (at most `keep`). */
  fromIpTimes: Date[];
  total: number;
}

/**
 * The login_failures table: one row per wrong password, so counts are taken over a sliding window
 * and decay by themselves. The owner of the table.
 */
@Injectable()
export class LoginFailuresRepository {
  constructor(private readonly prisma: PrismaService) {}

  async counts(account: string, ip: string, since: Date, keep: number): Promise<FailureCounts> {
    const [fromIpTimes, fromIp, total] = await Promise.all([
      this.prisma.loginFailure.findMany({
        where: { account, ip, failedAt: { gt: since } },
        orderBy: { failedAt: 'desc' },
        take: keep,
        select: { failedAt: true },
      }),
      this.prisma.loginFailure.count({ where: { account, ip, failedAt: { gt: since } } }),
      this.prisma.loginFailure.count({ where: { account, failedAt: { gt: since } } }),
    ]);
    return { fromIp, fromIpTimes: fromIpTimes.map((row) => row.failedAt).reverse(), total };
  }

  /** Records a failure and forgets the account's failures that left the window. */
  async add(account: string, ip: string, at: Date, windowStart: Date): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.loginFailure.deleteMany({ where: { account, failedAt: { lte: windowStart } } }),
      this.prisma.loginFailure.create({ data: { account, ip, failedAt: at } }),
    ]);
  }

  /** A success from an address clears that address's failures for the account (others keep theirs). */
  async clear(account: string, ip: string): Promise<void> {
    await this.prisma.loginFailure.deleteMany({ where: { account, ip } });
  }
}
