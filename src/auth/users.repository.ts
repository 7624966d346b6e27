import { Injectable } from '@nestjs/common';
import type { Prisma, User } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

type Db = Prisma.TransactionClient;

/**
 * The users table: accounts, their passwords (hashes) and lockout counters. Login, the access guard
 * and user management all read and write users through here.
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: number, tx?: Db): Promise<User | null> {
    return (tx ?? this.prisma).user.findUnique({ where: { id } });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  /** The first admin account still active (the legacy dashboard password logs in as it). */
  oldestActiveAdmin(): Promise<User | null> {
    return this.prisma.user.findFirst({ where: { role: 'admin', active: true }, orderBy: { id: 'asc' } });
  }

  count(): Promise<number> {
    return this.prisma.user.count();
  }

  list(): Promise<User[]> {
    return this.prisma.user.findMany({ orderBy: { id: 'asc' } });
  }

  create(data: Prisma.UserCreateInput, tx?: Db): Promise<User> {
    return (tx ?? this.prisma).user.create({ data });
  }

  update(id: number, data: Prisma.UserUpdateInput, tx?: Db): Promise<User> {
    return (tx ?? this.prisma).user.update({ where: { id }, data });
  }

  /** Locks the active admins' rows for the rest of the transaction and returns their ids. */
  async lockActiveAdmins(tx: Db): Promise<number[]> {
    const rows = await tx.$queryRaw<{ id: number }[]>`
      SELECT id FROM users WHERE role = 'admin' AND active = 1 FOR UPDATE`;
    return rows.map((r) => r.id);
  }

  /** Counts one more wrong password in a row; returns the new count. */
  async addFailedLogin(id: number): Promise<number> {
    const { failedLoginCount } = await this.prisma.user.update({
      where: { id },
      data: { failedLoginCount: { increment: 1 } },
      select: { failedLoginCount: true },
    });
    return failedLoginCount;
  }

  /** The user of a login (refresh-token family) when both are still valid: active, not revoked. */
  findWithLiveLogin(
    userId: number,
    loginId: string,
  ): Promise<Pick<User, 'id' | 'email' | 'role' | 'mustChangePassword'> | null> {
    return this.prisma.user.findFirst({
      where: { id: userId, active: true, refreshTokens: { some: { familyId: loginId, revokedAt: null } } },
      select: { id: true, email: true, role: true, mustChangePassword: true },
    });
  }
}
