/**
 * `text` with LIKE's wildcards and escape character escaped, for Prisma's `contains`, `startsWith`
 * and `endsWith`, which pass their value to LIKE as it is (a `%` or `_` typed in a search would match
 * anything).
 */
export const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);
