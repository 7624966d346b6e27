import { CsvFileError } from './csv-file-error';
import { guessDelimiter } from './csv-sniff';
import { readHeader, readRow, unescapeCell } from './recipient-row';

describe('CSV recipient rows', () => {
  it('finds the phone and name columns by common names; every other column is a variable', () => {
    expect(readHeader(['\uFEFFMobile', 'Full Name', 'City', '', 'Code'])).toEqual({
      phone: 0,
      name: 1,
      variables: [
        { index: 2, key: 'City', json: '"City"' },
        { index: 4, key: 'Code', json: '"Code"' },
      ],
    });
  });

  it('refuses a header without a phone column or with a column twice', () => {
    expect(() => readHeader(['name', 'city'])).toThrow(CsvFileError);
    expect(() => readHeader(['name', 'city'])).toThrow(/no phone column.*"name", "city"/);
    expect(() => readHeader(['phone', 'City', 'city'])).toThrow(/appears twice/);
  });

  it('normalises phones, leaves empty variables out, and says why a row is invalid', () => {
    const columns = readHeader(['phone', 'name', 'city']);
    expect(readRow(['0812-3456-7890', ' Budi ', ''], columns, 'ID')).toEqual({
      ok: true,
      recipient: { phone: '+6281234567890', name: 'Budi', variables: null },
    });
    expect(readRow(["'+6281234567890", "'=cmd", 'Solo'], columns)).toEqual({
      ok: true,
      recipient: { phone: '+6281234567890', name: '=cmd', variables: { city: 'Solo' } },
    });
    expect(readRow(['', 'x'], columns)).toEqual({ ok: false, phone: '', reason: 'phone is empty' });
    expect(readRow(['abc', 'x'], columns)).toEqual({
      ok: false,
      phone: 'abc',
      reason: 'not a valid phone number',
    });
  });

  it('undoes only the export escaping', () => {
    expect(unescapeCell("'=1+1")).toBe('=1+1');
    expect(unescapeCell("'quoted'")).toBe("'quoted'");
  });

  it('guesses the delimiter from the header line, ignoring quoted text', () => {
    expect(guessDelimiter('phone,name,city')).toBe(',');
    expect(guessDelimiter('phone;"name, full";city')).toBe(';');
    expect(guessDelimiter('phone\tname')).toBe('\t');
  });
});
