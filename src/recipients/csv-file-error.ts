import { BadRequestException } from '@nestjs/common';

/** The uploaded file cannot be imported at all (not CSV, no phone column, too large): a 400, nothing changed. */
export class CsvFileError extends BadRequestException {
  constructor(message: string, code = 'INVALID_CSV') {
    super({ message, code });
  }
}
