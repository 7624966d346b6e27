import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import multer, { diskStorage, MulterError } from 'multer';
import { finalize, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { CsvFileError } from './csv-file-error';

/**
 * Receives the CSV upload (multipart field `file`) straight onto disk, never into memory, up to
 * CSV_MAX_BYTES; the temporary file is removed when the request ends. Upload problems are a 400
 * with a clear message, as the rest of the import's file errors are.
 */
@Injectable()
export class CsvUploadInterceptor implements NestInterceptor {
  private readonly upload: RequestHandler;

  constructor(private readonly config: AppConfig) {
    this.upload = multer({
      storage: diskStorage({
        destination: tmpdir(),
        filename: (_req, _file, done) => done(null, `wagw-import-${randomUUID()}.csv`),
      }),
      limits: { fileSize: config.CSV_MAX_BYTES, files: 1, fields: 10 },
    }).single('file');
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    await new Promise<void>((resolve, reject) =>
      this.upload(req, http.getResponse<Response>(), (error: unknown) =>
        error ? reject(this.problem(error)) : resolve(),
      ),
    );
    const file = req.file;
    if (!file) throw new CsvFileError('Upload the CSV as the multipart form field "file"', 'CSV_MISSING');
    return next.handle().pipe(finalize(() => void unlink(file.path).catch(() => undefined)));
  }

  private problem(error: unknown): CsvFileError {
    if (error instanceof MulterError) {
      if (error.code === 'LIMIT_FILE_SIZE') {
        return new CsvFileError(
          `The file is larger than CSV_MAX_BYTES (${this.config.CSV_MAX_BYTES} bytes)`,
          'CSV_TOO_LARGE',
        );
      }
      return new CsvFileError('Upload exactly one file, as the multipart form field "file"', 'CSV_MISSING');
    }
    return new CsvFileError('The upload could not be read as a multipart form', 'CSV_MISSING');
  }
}
