import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

type Db = Prisma.TransactionClient;

/** The key_checks table: one check value per named key (the owner of the table). */
@Injectable()
export class KeyChecks {
  constructor(private readonly prisma: PrismaService) {}

  async find(name: string, tx?: Db): Promise<string | null> {
    const row = await (tx ?? this.prisma).keyCheck.findUnique({ where: { name } });
    return row?.checkValue ?? null;
  }

  /** Stores `value` unless a value is there already (another process may start at the same moment). */
  async insertIfMissing(name: string, value: string): Promise<void> {
    await this.prisma.keyCheck.createMany({ data: [{ name, checkValue: value }], skipDuplicates: true });
  }

  /** Reads the value under a row lock, so two processes cannot both rotate. */
  async findForUpdate(name: string, tx: Db): Promise<string | null> {
    const rows = await tx.$queryRaw<{ check_value: string }[]>`
      SELECT check_value FROM key_checks WHERE name = ${name} FOR UPDATE`;
    return rows[0]?.check_value ?? null;
  }

  async save(name: string, value: string, tx: Db): Promise<void> {
    await tx.keyCheck.update({ where: { name }, data: { checkValue: value } });
  }
}
