import { csvSafe } from './csv-cell';

describe('csvSafe', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+cmd', "'+cmd"],
    ['-2+SUM(A1)', "'-2+SUM(A1)"],
    ['+62 812 HYPERLINK', "'+62 812 HYPERLINK"],
    ['-', "'-"],
    ['+', "'+"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=x', "'\t=x"],
    ['\r=x', "'\r=x"],
  ])('prefixes %j', (input, expected) => expect(csvSafe(input)).toBe(expected));

  it.each([
    'plain',
    'a=b',
    '2026-01-01T00:00:00.000Z',
    '{"a":1}',
    '',
    '+6281234567890',
    '+62 812-3456-789',
    '-2.5',
    '(021) 555 01',
  ])('leaves %j alone', (input) => expect(csvSafe(input)).toBe(input));
});
