/** A statement with `?` placeholders and its values, for Prisma's raw calls or the driver itself. */
export interface Statement {
  sql: string;
  values: unknown[];
}

/** A DATETIME(3) literal in UTC, as Prisma stores dates (independent of the driver's time zone). */
export const sqlDateTime = (date: Date): string => date.toISOString().slice(0, 23).replace('T', ' ');
