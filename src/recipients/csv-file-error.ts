import { DomainError, type ErrorCode } from '../common/errors';

/** The uploaded file cannot be imported at all (not CSV, no phone column, too large): a 400, nothing changed. */
export class CsvFileError extends DomainError {
  constructor(message: string, code: CsvErrorCode = 'INVALID_CSV') {
    super(code, message);
  }
}

type CsvErrorCode = Extract<ErrorCode, 'INVALID_CSV' | `CSV_${string}` | 'NOT_CSV'>;
