import { csvSafe } from '../activity/csv-cell';
import type { PrismaService } from '../prisma/prisma.service';

const PAGE = 1000;

/** Every variable name used in the list, in first-seen order (the CSV's extra columns). */
async function variableKeys(prisma: PrismaService, listId: number): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ k: string | null }[]>`
    SELECT DISTINCT JSON_KEYS(variables) AS k FROM recipients WHERE list_id = ${listId} AND variables IS NOT NULL`;
  const keys = new Set<string>();
  for (const { k } of rows) for (const key of k ? (JSON.parse(k) as string[]) : []) keys.add(key);
  return [...keys];
}

/**
 * The list as CSV rows (header first): phone, name and one column per variable, read a page at a
 * time. Every cell goes through csvSafe, so a cell a spreadsheet would run as a formula
 * (= + - @ ...) starts with an apostrophe; the importer strips it again.
 */
export async function* recipientCsvRows(prisma: PrismaService, listId: number): AsyncGenerator<string[]> {
  const keys = await variableKeys(prisma, listId);
  yield ['phone', 'name', ...keys].map(csvSafe);
  let after = 0;
  for (;;) {
    const page = await prisma.recipient.findMany({
      where: { listId, id: { gt: after } },
      orderBy: { id: 'asc' },
      take: PAGE,
      select: { id: true, phone: true, name: true, variables: true },
    });
    for (const row of page) {
      const vars = (row.variables ?? {}) as Record<string, unknown>;
      yield [
        row.phone,
        row.name ?? '',
        ...keys.map((k) => (vars[k] === undefined || vars[k] === null ? '' : String(vars[k]))),
      ].map(csvSafe);
    }
    if (page.length < PAGE) return;
    after = page[page.length - 1].id;
  }
}
