// The error catalogue: every error code a client can see, where it arises, and what to do.
// Served at /docs/errors (problem `type` URIs point into it) and written to docs/errors.md
// by `npm run docs`; a test keeps the file in step with this one.
import { JobErrorCode } from '../shared/errorCodes';

export const ApiErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  MALFORMED_REQUEST: 'MALFORMED_REQUEST',
  JOB_NOT_FOUND: 'JOB_NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  DELIVERY_NOT_FOUND: 'DELIVERY_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  NOT_ACCEPTABLE: 'NOT_ACCEPTABLE',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  JOB_NOT_FINISHED: 'JOB_NOT_FINISHED',
  JOB_FINISHED: 'JOB_FINISHED',
  JOB_DELETED: 'JOB_DELETED',
  JOB_EXPIRED: 'JOB_EXPIRED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  URI_TOO_LONG: 'URI_TOO_LONG',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  TEMPORAL_UNAVAILABLE: 'TEMPORAL_UNAVAILABLE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  RATE_LIMITED: 'RATE_LIMITED',
  TOO_MANY_ACTIVE_JOBS: 'TOO_MANY_ACTIVE_JOBS',
  OVERLOADED: 'OVERLOADED',
  IDENTITY_PROVIDER_UNAVAILABLE: 'IDENTITY_PROVIDER_UNAVAILABLE',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

export interface HttpErrorEntry {
  code: ApiErrorCode;
  status: number;
  title: string;
  when: string;
  action: string;
}

export interface JobErrorEntry {
  code: JobErrorCode;
  steps: string;
  retryable: boolean;
  when: string;
  action: string;
}

export const HTTP_ERRORS: readonly HttpErrorEntry[] = [
  {
    code: 'VALIDATION_FAILED',
    status: 400,
    title: 'The request is not valid',
    when: 'a field, option, header or the body is malformed; `errors` lists each field (`file`, `query.pages`, `form.languages`, `body.sourceUrl`, `header.idempotency-key`)',
    action: 'fix the request; do not retry it unchanged',
  },
  {
    code: 'MALFORMED_REQUEST',
    status: 400,
    title: 'The request is not valid HTTP',
    when: 'the request line, a header, the percent-encoding of the path or the framing of a multipart body is broken',
    action: 'fix the client; do not retry the request unchanged',
  },
  {
    code: 'UNAUTHENTICATED',
    status: 401,
    title: 'No valid credential',
    when: 'a request to `/jobs` carries no API key or token, an unknown or revoked key, an invalid or expired token, or two different credentials (`Authorization` and `X-API-Key`)',
    action: 'send a valid key as `Authorization: Bearer <key>` or `X-API-Key: <key>`; ask the operator for a new key if yours was revoked',
  },
  {
    code: 'JOB_NOT_FOUND',
    status: 404,
    title: 'No such job',
    when: 'no job has this id',
    action: 'check the id',
  },
  { code: 'NOT_FOUND', status: 404, title: 'No such resource', when: 'no such path', action: 'check the URL' },
  {
    code: 'DELIVERY_NOT_FOUND',
    status: 404,
    title: 'No such delivery',
    when: 'the job has no webhook delivery with this id (no callbackUrl, or no such event was sent yet)',
    action: 'take the id from `GET /jobs/{id}/deliveries`',
  },
  {
    code: 'METHOD_NOT_ALLOWED',
    status: 405,
    title: 'The method is not allowed here',
    when: 'the path exists but does not take this method; `Allow` lists those it takes',
    action: 'use a method listed in `Allow`',
  },
  {
    code: 'NOT_ACCEPTABLE',
    status: 406,
    title: 'The result is not available in that format',
    when: 'the `format` (or `Accept`) names a format the job does not produce; ask for it in `outputs` at submit',
    action: 'ask for a format listed in the job\'s `outputs`',
  },
  {
    code: 'REQUEST_TIMEOUT',
    status: 408,
    title: 'The request took too long to arrive',
    when: 'the headers did not arrive within `HEADERS_TIMEOUT_MS`, or the whole request within `REQUEST_TIMEOUT_MS`',
    action: 'send the request again over a faster connection, or send the document by `sourceUrl`',
  },
  {
    code: 'JOB_NOT_FINISHED',
    status: 409,
    title: 'The job has not finished',
    when: 'the result of a job that is still running was asked for, or a running job was to be deleted',
    action: 'wait `Retry-After` seconds, or cancel the job first',
  },
  {
    code: 'JOB_FINISHED',
    status: 409,
    title: 'The job has already finished',
    when: 'a job that ended DONE, PARTIAL_SUCCESS or ERROR was to be cancelled, or a job without a result was asked for its result; `detail` says its status',
    action: 'nothing to cancel; read the job for its outcome',
  },
  {
    code: 'JOB_DELETED',
    status: 410,
    title: 'The job was deleted',
    when: 'the job and its stored document and results were deleted',
    action: 'submit the document again for a new job',
  },
  {
    code: 'JOB_EXPIRED',
    status: 410,
    title: 'The job has expired',
    when: 'the job finished more than `RETENTION_DAYS` days ago; its document, pages and results were removed',
    action: 'submit the document again for a new job; fetch results within the retention period',
  },
  {
    code: 'PAYLOAD_TOO_LARGE',
    status: 413,
    title: 'The document is too large',
    when: 'the upload is larger than `MAX_UPLOAD_BYTES`, or the request declares a larger `Content-Length` (refused before it is read)',
    action: 'send a smaller document, or fewer pages',
  },
  {
    code: 'URI_TOO_LONG',
    status: 414,
    title: 'The URL is too long',
    when: 'the request target is longer than 8 KiB',
    action: 'send options in the body (JSON or form fields) instead of the query string',
  },
  {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    title: 'The document type is not supported',
    when: 'the request is neither multipart, JSON, nor an image or PDF body, or the bytes are none of the supported formats',
    action: 'send PNG, JPEG, TIFF, GIF, WebP, BMP or PDF',
  },
  {
    code: 'IDEMPOTENCY_KEY_REUSED',
    status: 422,
    title: 'The idempotency key was used for another request',
    when: 'the `Idempotency-Key` was used before with another document or other options',
    action: 'use a new key for a new request',
  },
  {
    code: 'RATE_LIMITED',
    status: 429,
    title: 'Too many submits',
    when: "the tenant submitted faster than its rate (`submitsPerMinute`, default `RATE_LIMIT_SUBMITS_PER_MINUTE`); the `RateLimit` header shows what is left",
    action: 'retry after `Retry-After` seconds, with the same `Idempotency-Key`',
  },
  {
    code: 'TOO_MANY_ACTIVE_JOBS',
    status: 429,
    title: 'Too many unfinished jobs',
    when: "the tenant already has as many unfinished jobs as it may (`maxActiveJobs`, default `MAX_ACTIVE_JOBS_PER_TENANT`)",
    action: 'wait for jobs to finish (or cancel some), then retry after `Retry-After` seconds',
  },
  {
    code: 'HEADERS_TOO_LARGE',
    status: 431,
    title: 'The request headers are too large',
    when: 'the request line and headers together are larger than 16 KiB',
    action: 'send fewer or smaller headers',
  },
  {
    code: 'INTERNAL_ERROR',
    status: 500,
    title: 'Internal server error',
    when: 'an unexpected failure; the response\'s `X-Request-Id` finds it in the logs',
    action: 'retry later; report it if it persists',
  },
  {
    code: 'TEMPORAL_UNAVAILABLE',
    status: 503,
    title: 'The job service is temporarily unavailable',
    when: 'Temporal cannot be reached in time; no job was started',
    action: 'retry after `Retry-After` seconds, with the same `Idempotency-Key`',
  },
  {
    code: 'OVERLOADED',
    status: 503,
    title: 'The service is overloaded',
    when: 'more pages wait for a worker than `MAX_BACKLOG_PAGES`, or their expected wait passes the job\'s deadline, or `MAX_CONCURRENT_UPLOADS` uploads are being received; no job was started',
    action: 'retry after `Retry-After` seconds, with the same `Idempotency-Key`',
  },
  {
    code: 'IDENTITY_PROVIDER_UNAVAILABLE',
    status: 503,
    title: 'The identity provider cannot be reached',
    when: "a JWT was sent and the keys of the identity provider (`AUTH_JWKS_URL`) could not be fetched",
    action: 'retry after `Retry-After` seconds',
  },
];

export const JOB_ERRORS: readonly JobErrorEntry[] = [
  {
    code: 'SOURCE_UNAVAILABLE',
    steps: '`fetch`',
    retryable: true,
    when: 'downloading `sourceUrl` failed on every attempt (network error, timeout, HTTP error status)',
    action: 'check the URL is reachable, then submit again',
  },
  {
    code: 'SOURCE_FORBIDDEN',
    steps: '`fetch`',
    retryable: false,
    when: '`sourceUrl` resolves or redirects to a private, loopback or link-local address that `SOURCE_URL_ALLOWLIST` does not allow',
    action: 'serve the document from a public address, or upload it',
  },
  {
    code: 'SOURCE_TOO_LARGE',
    steps: '`fetch`',
    retryable: false,
    when: 'the document at `sourceUrl` is larger than `MAX_UPLOAD_BYTES`',
    action: 'send a smaller document',
  },
  {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    steps: '`fetch`, `load`',
    retryable: false,
    when: 'the bytes (or the served content type) are none of the supported formats',
    action: 'send PNG, JPEG, TIFF, GIF, WebP, BMP or PDF',
  },
  {
    code: 'CORRUPT_DOCUMENT',
    steps: '`load`, `preprocess`',
    retryable: false,
    when: 'the document claims a known format but cannot be decoded (truncated, damaged)',
    action: 'send an intact file',
  },
  {
    code: 'IMAGE_TOO_LARGE',
    steps: '`load`, `preprocess`',
    retryable: false,
    when: 'a page has more pixels than `MAX_IMAGE_PIXELS`',
    action: 'scale the image down',
  },
  {
    code: 'PAGE_OUT_OF_RANGE',
    steps: '`load`',
    retryable: false,
    when: '`pages` names a page the document does not have',
    action: 'ask for pages within the document',
  },
  {
    code: 'TOO_MANY_PAGES',
    steps: '`load`',
    retryable: false,
    when: 'more pages would be read than `MAX_PAGES`',
    action: 'choose fewer pages with `pages`, or split the document',
  },
  {
    code: 'SOURCE_MISSING',
    steps: '`load`, `preprocess`',
    retryable: false,
    when: 'the stored document disappeared from the blob store',
    action: 'submit again',
  },
  {
    code: 'UNSUPPORTED_LANGUAGE',
    steps: '`recognize`',
    retryable: false,
    when: 'a language in `languages` is not installed on the worker',
    action: 'use an installed language',
  },
  {
    code: 'OCR_FAILED',
    steps: '`recognize`',
    retryable: true,
    when: 'the OCR engine failed on every attempt',
    action: 'submit again later',
  },
  {
    code: 'OCR_TIMEOUT',
    steps: '`recognize`',
    retryable: false,
    when: 'a page kept the OCR engine busy longer than `OCR_PAGE_TIMEOUT_MS`; the engine was stopped and the page given up (the other pages still count: the job ends PARTIAL_SUCCESS)',
    action: 'send that page at a lower resolution, or split it',
  },
  {
    code: 'STORAGE_FAILED',
    steps: 'any',
    retryable: true,
    when: 'reading or writing the blob store failed on every attempt',
    action: 'submit again later',
  },
  {
    code: 'STEP_TIMEOUT',
    steps: 'any',
    retryable: true,
    when: 'a step did not finish, or stopped heartbeating, within its timeout on every attempt',
    action: 'submit again later',
  },
  {
    code: 'JOB_TERMINATED',
    steps: 'the step running then',
    retryable: true,
    when: "an operator terminated the job's workflow",
    action: 'submit again if still wanted',
  },
  {
    code: 'JOB_TIMEOUT',
    steps: 'the step running then',
    retryable: true,
    when: 'the job passed its deadline (`deadline`, `timeoutSeconds` or JOB_TIMEOUT_DEFAULT_SECONDS); the pages read by then are kept as its `result`',
    action: 'use the partial result, or submit again with a later deadline',
  },
  {
    code: 'INTERNAL_ERROR',
    steps: 'any',
    retryable: true,
    when: 'an unexpected failure; the worker log has the detail',
    action: 'submit again later',
  },
];

export function titleOf(code: ApiErrorCode): string {
  return HTTP_ERRORS.find((entry) => entry.code === code)?.title ?? code;
}

/** The catalogue as Markdown: the content of docs/errors.md. */
export function catalogueMarkdown(): string {
  const http = HTTP_ERRORS.map(
    (e) => `| <a id="${e.code}"></a>\`${e.code}\` | ${e.status} | ${e.when} | ${e.action} |`,
  ).join('\n');
  const job = JOB_ERRORS.map(
    (e) => `| <a id="job-${e.code}"></a>\`${e.code}\` | ${e.steps} | ${e.retryable ? 'yes' : 'no'} | ${e.when} | ${e.action} |`,
  ).join('\n');
  return `# Error catalogue

Every error has a stable \`code\`. HTTP errors are RFC 9457 problem details whose \`type\` is
\`/docs/errors#<CODE>\` (served by the API at \`GET /docs/errors\`). A job that ends \`ERROR\`
carries \`{ code, message, retryable, failedStep }\`; \`retryable: false\` means the document
itself is the problem and submitting it again gives the same error.

This file is generated from \`src/api/errorCatalogue.ts\` by \`npm run docs\`.

## HTTP errors

| code | status | when | what a client should do |
|---|---|---|---|
${http}

## Job errors

| code | step | retryable | when | what a client should do |
|---|---|---|---|---|
${job}
`;
}
