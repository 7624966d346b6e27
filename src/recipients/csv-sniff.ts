import { open } from 'node:fs/promises';
import { CsvFileError } from './csv-file-error';

const SNIFF_BYTES = 64 * 1024;
const DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof DELIMITERS)[number];

/** The delimiter used most often outside quotes on the header line (spreadsheets in some locales write ';'). */
export function guessDelimiter(firstLine: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch as CsvDelimiter))
      counts.set(ch as CsvDelimiter, counts.get(ch as CsvDelimiter)! + 1);
  }
  let best: CsvDelimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/**
 * Looks at the start of an uploaded file: refuses an empty or binary one (a spreadsheet, an image)
 * before anything is parsed, and picks the delimiter.
 */
export async function sniffCsv(path: string): Promise<{ delimiter: CsvDelimiter }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    if (
      head
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .trim() === ''
    )
      throw new CsvFileError('The file is empty', 'CSV_EMPTY');
    if (head.includes(0)) {
      throw new CsvFileError(
        'The file is not a CSV text file (it has binary content; export the sheet as CSV first)',
        'NOT_CSV',
      );
    }
    const firstLine = head
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/, 1)[0];
    return { delimiter: guessDelimiter(firstLine) };
  } finally {
    await handle.close();
  }
}
