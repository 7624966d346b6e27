import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ActivityService } from '../activity/activity.service';
import { InvalidPhoneNumberError, toE164 } from '../common/phone';
import { ValidationFailedException } from '../common/validation';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { Actor } from '../sessions/sessions.service';
import type { CreateRecipientDto, RecipientQueryDto, UpdateRecipientDto } from './dto/recipient.dto';
import { NAME_MAX, VARIABLE_KEY_MAX, VARIABLE_VALUE_MAX } from './recipient-row';
import { toRecipientView, type RecipientView } from './recipient-view';

const MAX_VARIABLES = 50;

export interface RecipientPage {
  items: RecipientView[];
  pagination: { page: number; limit: number; total: number; pages: number };
}

/** Template variables as stored: names to text, no empty values; anything else is a 400 naming the field. */
export function cleanVariables(
  input: Record<string, unknown> | null | undefined,
): Record<string, string> | null {
  if (!input) return null;
  const errors: string[] = [];
  const out: Record<string, string> = {};
  const entries = Object.entries(input);
  if (entries.length > MAX_VARIABLES) errors.push(`at most ${MAX_VARIABLES} variables`);
  for (const [rawKey, value] of entries) {
    const key = rawKey.trim();
    if (!key || key.length > VARIABLE_KEY_MAX)
      errors.push(`variable names must be 1 to ${VARIABLE_KEY_MAX} characters`);
    else if (['phone', 'name'].includes(key.toLowerCase()))
      errors.push(`"${key}" is a recipient field, not a variable`);
    else if (value === null || value === undefined || value === '') continue;
    else if (!['string', 'number', 'boolean'].includes(typeof value)) errors.push(`${key} must be text`);
    else if (String(value).length > VARIABLE_VALUE_MAX)
      errors.push(`${key} is longer than ${VARIABLE_VALUE_MAX} characters`);
    else out[key] = String(value);
  }
  if (errors.length > 0) throw new ValidationFailedException([{ field: 'variables', errors }]);
  return Object.keys(out).length > 0 ? out : null;
}

/** The recipients of a list, one at a time (the CSV import adds them in bulk). */
@Injectable()
export class RecipientsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly activity: ActivityService,
  ) {}

  async page(listId: number, query: RecipientQueryDto): Promise<RecipientPage> {
    await this.requireList(listId);
    const where: Prisma.RecipientWhereInput = {
      listId,
      ...(query.search
        ? { OR: [{ phone: { contains: query.search } }, { name: { contains: query.search } }] }
        : {}),
    };
    const [rows, total] = await Promise.all([
      this.prisma.recipient.findMany({
        where,
        orderBy: { id: 'asc' },
        skip: (query.page - 1) * query.limit,
        take: query.limit,
      }),
      this.prisma.recipient.count({ where }),
    ]);
    return {
      items: rows.map(toRecipientView),
      pagination: { page: query.page, limit: query.limit, total, pages: Math.ceil(total / query.limit) },
    };
  }

  /** Adds one recipient; a phone already in the list is a 409. */
  async add(listId: number, dto: CreateRecipientDto, actor: Actor): Promise<RecipientView> {
    await this.requireList(listId);
    const phone = this.phoneOf(dto.phone);
    const variables = cleanVariables(dto.variables);
    if (
      await this.prisma.recipient.findUnique({
        where: { listId_phone: { listId, phone } },
        select: { id: true },
      })
    ) {
      throw new ConflictException({ message: `${phone} is already in this list`, code: 'RECIPIENT_EXISTS' });
    }
    const row = await this.prisma.$transaction(async (tx) => {
      const created = await tx.recipient.create({
        data: {
          listId,
          phone,
          name: dto.name?.trim().slice(0, NAME_MAX) || null,
          variables: variables ?? undefined,
        },
      });
      await this.activity.record(
        {
          ...actor,
          action: 'recipient.added',
          targetType: 'recipient_list',
          targetId: listId,
          metadata: { recipientId: created.id },
        },
        tx,
      );
      return created;
    });
    return toRecipientView(row);
  }

  async update(listId: number, id: number, dto: UpdateRecipientDto, actor: Actor): Promise<RecipientView> {
    await this.requireRecipient(listId, id);
    const variables = dto.variables === undefined ? undefined : cleanVariables(dto.variables);
    const row = await this.prisma.$transaction(async (tx) => {
      const updated = await tx.recipient.update({
        where: { id },
        data: {
          name: dto.name === undefined ? undefined : dto.name?.trim().slice(0, NAME_MAX) || null,
          variables: variables === undefined ? undefined : (variables ?? Prisma.DbNull),
        },
      });
      await this.activity.record(
        {
          ...actor,
          action: 'recipient.updated',
          targetType: 'recipient_list',
          targetId: listId,
          metadata: { recipientId: id },
        },
        tx,
      );
      return updated;
    });
    return toRecipientView(row);
  }

  async remove(listId: number, id: number, actor: Actor): Promise<void> {
    await this.requireRecipient(listId, id);
    await this.prisma.$transaction(async (tx) => {
      await tx.recipient.delete({ where: { id } });
      await this.activity.record(
        {
          ...actor,
          action: 'recipient.removed',
          targetType: 'recipient_list',
          targetId: listId,
          metadata: { recipientId: id },
        },
        tx,
      );
    });
  }

  async requireList(listId: number): Promise<void> {
    const list = await this.prisma.recipientList.findUnique({ where: { id: listId }, select: { id: true } });
    if (!list) throw new NotFoundException({ message: 'Recipient list not found', code: 'LIST_NOT_FOUND' });
  }

  private async requireRecipient(listId: number, id: number): Promise<void> {
    const row = await this.prisma.recipient.findFirst({ where: { id, listId }, select: { id: true } });
    if (!row)
      throw new NotFoundException({
        message: 'Recipient not found in this list',
        code: 'RECIPIENT_NOT_FOUND',
      });
  }

  private phoneOf(input: string): string {
    try {
      return toE164(input, this.config.DEFAULT_COUNTRY);
    } catch (error) {
      if (!(error instanceof InvalidPhoneNumberError)) throw error;
      throw new ValidationFailedException([{ field: 'phone', errors: [error.message] }]);
    }
  }
}
