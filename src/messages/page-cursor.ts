import { validationFailed } from '../common/errors';
import { likeLiteral } from '../common/like-literal';

/**
 * Opaque keyset cursors: the sort key of a page's last row as base64url JSON. A cursor that is not
 * one of ours is bad input (400 on `cursor`), never an empty page.
 */
export const encodeCursor = (key: (string | number)[]): string =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

export function decodeCursor<T extends (string | number)[]>(
  cursor: string,
  check: (key: unknown[]) => key is T,
): T {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (!Array.isArray(key) || !check(key))
    throw validationFailed([{ field: 'cursor', errors: ['not a cursor of this list (use nextCursor)'] }]);
  return key;
}

/** A LIKE pattern matching `text` anywhere, its wildcards taken literally. */
export const containsPattern = (text: string): string => `%${likeLiteral(text)}%`;
