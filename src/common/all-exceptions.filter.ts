import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Prisma } from '../generated/prisma/client';
import type { ApiErrorBody, FieldError } from './api-envelope';
import { DomainError, type ErrorCode } from './errors';

/** The code of an HTTP error thrown by the framework itself (a guard, a pipe, multer) without one. */
const CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

interface Normalised {
  status: number;
  message: string;
  code?: string;
  details?: FieldError[];
}

/** Errors from Express' body parser carry a status and a type, e.g. entity.parse.failed. */
interface BodyParserError {
  status?: number;
  statusCode?: number;
  type?: string;
}

/**
 * The one place errors become responses: a DomainError by its code's status, the framework's own HTTP
 * errors by theirs, a generic 500 for anything unexpected; always the envelope
 * `{ success: false, message, code, timestamp }` with field details for validation. Never the stack
 * or the request body.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const request = host.switchToHttp().getRequest<Request & { id?: string }>();
    const response = host.switchToHttp().getResponse<Response>();
    const normalised = this.normalise(exception);
    if (normalised.status >= 500) {
      this.logger.error(
        { err: exception, requestId: request.id, method: request.method, path: request.path },
        'Unhandled error',
      );
    }
    if (response.headersSent) return;
    const body: ApiErrorBody = {
      success: false,
      message: normalised.message,
      code: normalised.code ?? CODES[normalised.status] ?? 'ERROR',
      timestamp: new Date().toISOString(),
      ...(request.id ? { requestId: String(request.id) } : {}),
      ...(normalised.details ? { details: normalised.details } : {}),
    };
    response.status(normalised.status).json(body);
  }

  private normalise(exception: unknown): Normalised {
    // Express' body parser errors arrive as such, or wrapped by Nest in an HttpException's cause.
    const parserError =
      this.bodyParserError(exception) ?? this.bodyParserError((exception as { cause?: unknown })?.cause);
    if (parserError) return parserError;
    if (exception instanceof DomainError) {
      return {
        status: exception.status,
        message: exception.message,
        code: exception.code,
        details: exception.details,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const res = exception.getResponse();
      if (typeof res === 'string') return { status, message: res };
      const obj = res as { message?: string | string[]; code?: string; details?: FieldError[] };
      const message = Array.isArray(obj.message)
        ? obj.message.join('; ')
        : (obj.message ?? exception.message);
      return { status, message, code: obj.code, details: obj.details };
    }
    if (exception instanceof Prisma.PrismaClientKnownRequestError) {
      if (exception.code === 'P2002')
        return { status: 409, message: 'A record with the same unique value already exists' };
      if (exception.code === 'P2025') return { status: 404, message: 'Record not found' };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
  }

  private bodyParserError(error: unknown): Normalised | undefined {
    const parser = error as BodyParserError | undefined;
    const status = parser?.status ?? parser?.statusCode;
    if (typeof parser?.type !== 'string' || !status || status >= 500) return undefined;
    if (parser.type === 'entity.parse.failed')
      return { status: 400, message: 'Request body is not valid JSON', code: 'INVALID_JSON' };
    if (parser.type === 'entity.too.large') return { status: 413, message: 'Request body is too large' };
    return { status, message: 'Request body could not be read' };
  }
}
