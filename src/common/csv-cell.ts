/** A number or a phone number as people write them: `+62 812-3456`, `(021) 555 01`, `-2.5`. */
const PLAIN_NUMBER = /^[+-]?[\d\s().-]*\d[\d\s().-]*$/;

/**
 * A cell a spreadsheet will not run as a formula: text starting with = + - @ (or a tab or carriage
 * return, which some programs skip before looking) gets a leading apostrophe. A plain number or phone
 * number (`+62...`) is left alone: it cannot call a function or point at a cell.
 */
export function csvSafe(value: string): string {
  if (PLAIN_NUMBER.test(value)) return value;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
