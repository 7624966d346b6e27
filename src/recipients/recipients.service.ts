import { Injectable } from '@nestjs/common';
import { ActivityService, audited } from '../activity/activity.service';
import { type Actor } from '../auth/actor';
import { csvSafe } from '../common/csv-cell';
import { DomainError, validationFailed } from '../common/errors';
import { recipientAddress } from '../common/group-jid';
import { InvalidPhoneNumberError } from '../common/phone';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
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
  if (errors.length > 0) throw validationFailed([{ field: 'variables', errors }]);
  return Object.keys(out).length > 0 ? out : null;
}

const EXPORT_PAGE = 1000;
/** A search finds at most this many recipients of a list (a page shows 50 at a time). */
const SEARCH_MATCHES = 5000;

/**
 * The recipients of a list, one at a time (the CSV import adds them in bulk), and read back a page
 * at a time; the owner of recipients, with RecipientImporter.
 */
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
      ...(query.search ? { id: { in: await this.matching(listId, query.search) } } : {}),
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

  /**
   * The ids of the list's recipients whose phone, name or a variable's value (never a variable's
   * name) contains `search`, in any case; at most SEARCH_MATCHES of them. The text is a bound
   * parameter with its LIKE wildcards escaped, so `%` and `_` are found as themselves.
   */
  private async matching(listId: number, search: string): Promise<number[]> {
    const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
    const rows = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM recipients
      WHERE list_id = ${listId}
        AND (phone LIKE ${pattern} OR LOWER(name) LIKE ${pattern}
          OR JSON_SEARCH(LOWER(variables), 'one', ${pattern}) IS NOT NULL)
      ORDER BY id LIMIT ${SEARCH_MATCHES}`;
    return rows.map((row) => Number(row.id));
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
      throw new DomainError('RECIPIENT_EXISTS', `${phone} is already in this list`);
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
          ...audited(actor),
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
          ...audited(actor),
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
          ...audited(actor),
          action: 'recipient.removed',
          targetType: 'recipient_list',
          targetId: listId,
          metadata: { recipientId: id },
        },
        tx,
      );
    });
  }

  /** The list's recipients after `afterId`, in id order. */
  pageAfter(
    listId: number,
    afterId: number,
    take: number,
  ): Promise<{ id: number; phone: string; name: string | null; variables: unknown }[]> {
    return this.prisma.recipient.findMany({
      where: { listId, id: { gt: afterId } },
      orderBy: { id: 'asc' },
      take,
      select: { id: true, phone: true, name: true, variables: true },
    });
  }

  /**
   * The list as CSV rows (header first): phone, name and one column per variable, read a page at a
   * time. Every cell goes through csvSafe, so a cell a spreadsheet would run as a formula
   * (= + - @ ...) starts with an apostrophe; the importer strips it again.
   */
  async *csvRows(listId: number): AsyncGenerator<string[]> {
    const keys = await this.variableKeys(listId);
    yield ['phone', 'name', ...keys].map(csvSafe);
    let after = 0;
    for (;;) {
      const page = await this.pageAfter(listId, after, EXPORT_PAGE);
      for (const row of page) {
        const vars = (row.variables ?? {}) as Record<string, unknown>;
        yield [
          row.phone,
          row.name ?? '',
          ...keys.map((k) => (vars[k] === undefined || vars[k] === null ? '' : String(vars[k]))),
        ].map(csvSafe);
      }
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1].id;
    }
  }

  async requireList(listId: number): Promise<void> {
    const list = await this.prisma.recipientList.findUnique({ where: { id: listId }, select: { id: true } });
    if (!list) throw new DomainError('LIST_NOT_FOUND', 'Recipient list not found');
  }

  private async requireRecipient(listId: number, id: number): Promise<void> {
    const row = await this.prisma.recipient.findFirst({ where: { id, listId }, select: { id: true } });
    if (!row) throw new DomainError('RECIPIENT_NOT_FOUND', 'Recipient not found in this list');
  }

  /** Every variable name used in the list, in first-seen order (the CSV's extra columns). */
  private async variableKeys(listId: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ k: string | null }[]>`
      SELECT DISTINCT JSON_KEYS(variables) AS k FROM recipients WHERE list_id = ${listId} AND variables IS NOT NULL`;
    const keys = new Set<string>();
    for (const { k } of rows) for (const key of k ? (JSON.parse(k) as string[]) : []) keys.add(key);
    return [...keys];
  }

  private phoneOf(input: string): string {
    try {
      return recipientAddress(input, this.config.DEFAULT_COUNTRY);
    } catch (error) {
      if (!(error instanceof InvalidPhoneNumberError)) throw error;
      throw validationFailed([{ field: 'phone', errors: [error.message] }]);
    }
  }
}
