import { looksLikeGroupJid, recipientAddress } from '../common/group-jid';
import { InvalidPhoneNumberError } from '../common/phone';
import { CsvFileError } from './csv-file-error';

/** Which CSV column holds what; every column that is not phone or name is a template variable. */
export interface CsvColumns {
  phone: number;
  name: number | null;
  /** `json` is the key written as JSON, once for the file. */
  variables: { index: number; key: string; json: string }[];
}

export interface RecipientData {
  phone: string;
  name: string | null;
  variables: Record<string, string> | null;
}

export type RowResult = { ok: true; recipient: RecipientData } | { ok: false; phone: string; reason: string };

const PHONE_HEADERS = new Set([
  'phone',
  'phone_number',
  'phonenumber',
  'phone number',
  'number',
  'mobile',
  'whatsapp',
  'msisdn',
]);
const NAME_HEADERS = new Set(['name', 'full_name', 'fullname', 'full name']);
export const NAME_MAX = 120;
export const VARIABLE_KEY_MAX = 64;
export const VARIABLE_VALUE_MAX = 1000;

/** Undoes the export's formula escaping, so an exported file imports back unchanged. */
export const unescapeCell = (cell: string): string =>
  cell.charCodeAt(0) === 39 && /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;

/** Reads the header row; a file without a phone column (or with a column twice) is refused whole. */
export function readHeader(cells: string[]): CsvColumns {
  const names = cells.map((c) =>
    unescapeCell(c)
      .replace(/^\uFEFF/, '')
      .trim(),
  );
  const seen = new Set<string>();
  let phone = -1;
  let name: number | null = null;
  const variables: CsvColumns['variables'] = [];
  names.forEach((header, index) => {
    const lower = header.toLowerCase();
    if (header === '') return;
    if (seen.has(lower))
      throw new CsvFileError(`The column "${header.slice(0, 40)}" appears twice in the header`);
    seen.add(lower);
    if (phone < 0 && PHONE_HEADERS.has(lower)) phone = index;
    else if (name === null && NAME_HEADERS.has(lower)) name = index;
    else if (header.length > VARIABLE_KEY_MAX)
      throw new CsvFileError(
        `The column name "${header.slice(0, 40)}..." is longer than ${VARIABLE_KEY_MAX} characters`,
      );
    else variables.push({ index, key: header, json: JSON.stringify(header) });
  });
  if (phone < 0) {
    const found =
      names
        .filter(Boolean)
        .slice(0, 10)
        .map((n) => `"${n.slice(0, 40)}"`)
        .join(', ') || 'none';
    throw new CsvFileError(
      `The file has no phone column (the first line must name the columns, one of them "phone"; found: ${found})`,
      'CSV_NO_PHONE_COLUMN',
    );
  }
  return { phone, name, variables };
}

/** Why a row cannot be a recipient, with the phone as written (for the report). */
export interface RowRefusal {
  phone: string;
  reason: string;
}

// What JSON.stringify would escape: a quote, a backslash, a control character, a surrogate.
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const jsonString = (value: string): string =>
  NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;

/**
 * One data row as the import stages it, written straight to JSON: `[phone, name, {variables}]`
 * with the phone in E.164 (or a group jid), name and variables null when empty; or why it cannot be
 * a recipient. No object is built per row: a 100,000-row file built one variables object each,
 * and those (keyed by the file's own column names) filled the old generation by ~70 MiB a file.
 */
export function readRowJson(
  cells: string[],
  columns: CsvColumns,
  defaultCountry?: string,
): string | RowRefusal {
  const rawPhone = cellAt(cells, columns.phone);
  if (rawPhone === '') return { phone: '', reason: 'phone is empty' };
  let phone: string;
  try {
    // A group's jid (120363…@g.us) is kept as it is: the campaign sends to the group.
    phone = recipientAddress(rawPhone, defaultCountry);
  } catch (error) {
    if (!(error instanceof InvalidPhoneNumberError)) throw error;
    const reason = looksLikeGroupJid(rawPhone) ? 'not a valid group id' : 'not a valid phone number';
    return { phone: rawPhone.slice(0, 40), reason };
  }
  let variables = '';
  for (const { index, key, json } of columns.variables) {
    const value = cellAt(cells, index);
    if (value === '') continue;
    if (value.length > VARIABLE_VALUE_MAX) {
      return { phone: rawPhone, reason: `${key} is longer than ${VARIABLE_VALUE_MAX} characters` };
    }
    variables += `${variables === '' ? '{' : ','}${json}:${jsonString(value)}`;
  }
  const name = columns.name === null ? '' : cellAt(cells, columns.name);
  return `[${jsonString(phone)},${name === '' ? 'null' : jsonString(name.slice(0, NAME_MAX))},${variables === '' ? 'null' : `${variables}}`}]`;
}

/** One data row: a recipient with its phone in E.164 (or a group jid), or the reason it cannot be one. */
export function readRow(cells: string[], columns: CsvColumns, defaultCountry?: string): RowResult {
  const row = readRowJson(cells, columns, defaultCountry);
  if (typeof row !== 'string') return { ok: false, ...row };
  const [phone, name, variables] = JSON.parse(row) as [string, string | null, Record<string, string> | null];
  return { ok: true, recipient: { phone, name, variables } };
}

const cellAt = (cells: string[], index: number): string => unescapeCell(cells[index] ?? '').trim();
