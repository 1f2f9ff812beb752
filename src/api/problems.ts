import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { ApiErrorCode, titleOf } from './errorCatalogue';
import { isTemporalUnavailable } from './temporalErrors';

export { ApiErrorCode };

export interface FieldError {
  /** Where the problem is: `file`, `query.languages`, `header.idempotency-key`. */
  field: string;
  message: string;
}

/** The one error type routes throw; rendered as RFC 9457 problem details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  static validation(errors: FieldError[]): ApiError {
    const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return new ApiError(400, ApiErrorCode.VALIDATION_FAILED, detail, { errors });
  }
}

/** URI of a problem type: the entry of the error catalogue describing it. */
export function problemType(code: string): string {
  return `/docs/errors#${code}`;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** The RFC 9457 document of an error, as JSON text. */
export function problemDocument(error: ApiError, instance: string): string {
  return JSON.stringify({
    type: problemType(error.code),
    title: titleOf(error.code),
    status: error.status,
    detail: error.detail,
    instance,
    code: error.code,
    ...(error.extra.errors ? { errors: error.extra.errors } : {}),
  });
}

export function sendProblem(res: Response, error: ApiError, instance: string): void {
  // The request's span records which error it answered.
  res.locals.errorCode = error.code;
  for (const [name, value] of Object.entries(error.extra.headers ?? {})) res.setHeader(name, value);
  res.status(error.status).type(PROBLEM_MEDIA_TYPE).send(problemDocument(error, instance));
}

export function zodToFieldErrors(error: ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** Turns whatever a route threw into an ApiError; unknown errors become a bare 500. */
function toApiError(err: unknown, retryAfterSeconds: number): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return ApiError.validation(zodToFieldErrors(err, ''));
  // The router could not percent-decode a path segment.
  if (err instanceof URIError) {
    return new ApiError(400, ApiErrorCode.MALFORMED_REQUEST, 'the path is not valid percent-encoding');
  }
  if (isTemporalUnavailable(err)) {
    return new ApiError(503, ApiErrorCode.TEMPORAL_UNAVAILABLE, 'Temporal cannot be reached right now; try again shortly', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
  // Other client errors (express's own) carry an HTTP status.
  const httpError = err as { status?: number; message?: string };
  if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
    return new ApiError(400, ApiErrorCode.MALFORMED_REQUEST, httpError.message ?? 'malformed request');
  }
  return null;
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const apiError = toApiError(err, 5);
    const log = (req as { log?: Logger }).log ?? logger;
    if (apiError) {
      if (apiError.status >= 500) log.warn({ err }, apiError.detail);
      sendProblem(res, apiError, req.originalUrl);
      return;
    }
    log.error({ err }, 'unhandled error');
    sendProblem(
      res,
      new ApiError(500, ApiErrorCode.INTERNAL_ERROR, 'The request failed unexpectedly; the request id identifies it in the logs'),
      req.originalUrl,
    );
  };
}
