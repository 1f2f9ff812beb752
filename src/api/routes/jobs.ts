import { createHash } from 'node:crypto';
import { context } from '@opentelemetry/api';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import multer, { MulterError } from 'multer';
import { z } from 'zod';
import { callerOf } from '../../auth/authenticate';
import type { Config } from '../../config';
import { isTerminalStatus } from '../../shared/jobs';
import { jobOptionsSchema, sourceUrlRequestSchema, type JobOptions } from '../../shared/schemas';
import type { BlobStore } from '../../storage/blobStore';
import { notModified } from '../conditional';
import { JOB_ID_PATTERN } from '../jobIds';
import type { JobService, SubmittedDocument } from '../jobService';
import type { JobSnapshot, JobStatusReader } from '../jobStatus';
import type { PollAdvice } from '../pollAdvice';
import { parsePrefer } from '../prefer';
import { allowMethods } from '../methods';
import { jobBody, jobSummary } from '../presenters';
import { ApiError, ApiErrorCode, zodToFieldErrors } from '../problems';
import { requestContext, traceFields } from '../requestSpans';
import { listQuerySchema } from '../schemas';
import type { SubmitRateLimiter } from '../submitRateLimiter';
import { stageUpload, stagingStorage, UploadTooLargeError, type StagedUpload } from '../uploads';
import type { JobWebhooksReader } from '../webhooks';

/** Content types accepted as a raw document body. The real type is then read from the bytes. */
const RAW_DOCUMENT_TYPES = ['image/*', 'application/pdf', 'application/octet-stream'];
const JSON_BODY_LIMIT_BYTES = 64 * 1024;
/** Form fields beside the file: how many, and how large each may be. */
const FORM_FIELDS = 20;
const FORM_FIELD_BYTES = 64 * 1024;
/** What a multipart body may add to the document: its fields, part headers and boundaries. */
const MULTIPART_OVERHEAD_BYTES = FORM_FIELDS * FORM_FIELD_BYTES + 64 * 1024;

const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'use printable ASCII without spaces')
  .optional();

export interface JobsRouterDeps {
  config: Config;
  service: JobService;
  status: JobStatusReader;
  advice: PollAdvice;
  rateLimiter: SubmitRateLimiter;
  blobs: BlobStore;
  webhooks: JobWebhooksReader;
}

export function jobsRouter({ config, service, status, advice, rateLimiter, blobs, webhooks }: JobsRouterDeps): Router {
  const router = Router();
  /** `Prefer: wait` requests being held now (PREFER_WAIT_MAX_REQUESTS). */
  let waiting = 0;

  /** A finished job's snapshot never changes: its body and tag are rendered once. */
  const rendered = new WeakMap<JobSnapshot, { body: string; etag: string }>();
  function render(snapshot: JobSnapshot): { body: string; etag: string } {
    const known = rendered.get(snapshot);
    if (known) return known;
    const body = JSON.stringify(jobBody(snapshot, config));
    const result = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
    if (isTerminalStatus(snapshot.state.status)) rendered.set(snapshot, result);
    return result;
  }

  /** Sends a job with its ETag (304 when the client has it) and, while it runs, Retry-After. */
  async function sendJob(req: Request, res: Response, read: JobSnapshot, httpStatus = 200): Promise<void> {
    // What became of its webhooks changes after the job ended: read apart, for a second at most.
    const snapshot = read.state.callback ? { ...read, notifications: await webhooks.summary(read.state.jobId) } : read;
    const retryAfter = advice.retryAfterSeconds(snapshot.state, snapshot.steps);
    if (retryAfter !== null) res.setHeader('Retry-After', String(retryAfter));
    const { body, etag } = render(snapshot);
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    if (httpStatus === 200 && notModified(req, etag)) {
      res.status(304).end();
      return;
    }
    res.status(httpStatus).type('application/json').send(body);
  }

  // The rate is taken before a byte of the document is read.
  const takeSubmit: RequestHandler = (_req, res, next) => {
    rateLimiter.take(callerOf(res), res);
    next();
  };

  router.post('/jobs', takeSubmit, receiveDocument(config, blobs), async (req, res) => {
    const idempotencyKey = parse(idempotencyKeySchema, req.get('idempotency-key'), 'header.idempotency-key');
    const { document, options } = readSubmission(req, res);
    const prefer = parsePrefer(req.get('prefer'));
    const caller = callerOf(res);
    const fileName = (req.file as { originalname?: string } | undefined)?.originalname?.slice(0, 200) || undefined;
    // Inside the request's trace: the job's workflow continues it (the body parser left it).
    const outcome = await context.with(requestContext(res), () =>
      service.submit({ document, options, idempotencyKey, caller, requestId: String(req.id), traceId: traceFields(res).traceId, fileName }),
    );
    const location = `/jobs/${outcome.jobId}`;
    res.location(location);
    const applied: string[] = [];
    if (prefer.respondAsync) applied.push('respond-async');
    let snapshot = outcome.snapshot;
    const asked = Math.min(prefer.wait ?? 0, config.preferWaitMaxSeconds);
    // Beyond PREFER_WAIT_MAX_REQUESTS held at once, a request asking to wait is answered at once, and told so.
    const full = asked > 0 && waiting >= config.load.maxWaitingRequests;
    const wait = full ? 0 : asked;
    if (full) applied.push('wait=0');
    let ended = false;
    if (wait > 0) {
      applied.push(`wait=${wait}`);
      waiting += 1;
      try {
        ended = isTerminalStatus(snapshot.state.status) || (await status.waitForEnd({ jobId: outcome.jobId, tenant: caller.tenant, traceId: snapshot.traceId }, wait));
      } finally {
        waiting -= 1;
      }
      if (ended) snapshot = await status.read(outcome.jobId, caller.tenant);
    }
    if (applied.length) res.setHeader('Preference-Applied', applied.join(', '));
    // 200 only answers a client that asked to wait; every other submit is accepted with 202.
    if (ended) res.setHeader('Content-Location', location);
    await sendJob(req, res, snapshot, ended ? 200 : 202);
  });

  router.get('/jobs', async (req, res) => {
    const query = parse(listQuerySchema, { ...req.query }, 'query');
    const page = await service.list({ ...query, reader: callerOf(res).tenant });
    res.json({ items: page.jobs.map((state) => jobSummary(state, config)), nextCursor: page.nextCursor });
  });

  router.get('/jobs/:jobId', async (req, res) => {
    await sendJob(req, res, await status.read(jobIdParam(req), callerOf(res).tenant));
  });

  router.post('/jobs/:jobId/cancel', async (req, res) => {
    await sendJob(req, res, await service.cancel(jobIdParam(req), callerOf(res).tenant), 202);
  });

  router.delete('/jobs/:jobId', async (req, res) => {
    await service.delete(jobIdParam(req), callerOf(res).tenant);
    res.status(204).end();
  });

  allowMethods(router, '/jobs', ['GET', 'POST']);
  allowMethods(router, '/jobs/:jobId', ['GET', 'DELETE']);
  allowMethods(router, '/jobs/:jobId/cancel', ['POST']);
  return router;
}

/** The job id of the path, in its canonical lower-case form (UUIDs are case-insensitive, RFC 9562). */
export function jobIdParam(req: Request): string {
  const given = String(req.params.jobId);
  const jobId = given.toLowerCase();
  if (!JOB_ID_PATTERN.test(jobId)) throw new ApiError(404, ApiErrorCode.JOB_NOT_FOUND, `there is no job ${given}`);
  return jobId;
}

/**
 * Accepts the document as multipart/form-data (field `file`), as the raw request body, or
 * by reference as JSON `{ "sourceUrl": … }`. A declared size over the limit is refused
 * before a byte of the body is read.
 */
function receiveDocument(config: Config, blobs: BlobStore): RequestHandler {
  const maxBytes = config.limits.maxUploadBytes;
  const multipart = multer({
    storage: stagingStorage(blobs, maxBytes),
    limits: { fileSize: maxBytes, files: 1, fields: FORM_FIELDS, fieldSize: FORM_FIELD_BYTES },
  }).single('file');
  const raw: RequestHandler = (req, res, next) => {
    stageUpload(blobs, req, maxBytes).then((staged) => {
      res.locals.staged = staged;
      next();
    }, next);
  };
  // Not strict: `null` or an array reaches the schema, which says what is expected.
  const json = express.json({ limit: JSON_BODY_LIMIT_BYTES, strict: false });
  const tooLarge = (detail: string) =>
    // The body is left unread: the connection cannot carry another request after it.
    new ApiError(413, ApiErrorCode.PAYLOAD_TOO_LARGE, detail, { headers: { Connection: 'close' } });
  const documentLimit = `documents may have at most ${maxBytes} bytes (MAX_UPLOAD_BYTES)`;
  /** Uploads being received (and held) now: at most MAX_CONCURRENT_UPLOADS. */
  let receiving = 0;
  return (req, res, next) => {
    const kind = req.is('multipart/form-data') ? 'multipart' : req.is('application/json') ? 'json' : req.is(RAW_DOCUMENT_TYPES) ? 'raw' : null;
    if (kind === null) {
      next(
        new ApiError(
          415,
          ApiErrorCode.UNSUPPORTED_MEDIA_TYPE,
          'send the document as multipart/form-data (field "file"), as the request body with its image or PDF content type, or as JSON {"sourceUrl": ...}',
        ),
      );
      return;
    }
    const allowed = { multipart: maxBytes + MULTIPART_OVERHEAD_BYTES, json: JSON_BODY_LIMIT_BYTES, raw: maxBytes }[kind];
    const declared = Number(req.get('content-length') ?? NaN);
    if (declared > allowed) {
      next(
        tooLarge(
          kind === 'json'
            ? `the JSON body declares ${declared} bytes; it may have at most ${JSON_BODY_LIMIT_BYTES}`
            : `the request declares ${declared} bytes; ${documentLimit}`,
        ),
      );
      return;
    }
    const encoding = req.get('content-encoding');
    if (kind !== 'json' && encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      next(
        new ApiError(415, ApiErrorCode.UNSUPPORTED_MEDIA_TYPE, `Content-Encoding ${encoding} is not accepted: send the document as it is`, {
          headers: { Connection: 'close' },
        }),
      );
      return;
    }
    if (kind !== 'json') {
      if (receiving >= config.load.maxConcurrentUploads) {
        next(
          new ApiError(
            503,
            ApiErrorCode.OVERLOADED,
            `the service is receiving ${receiving} uploads, its limit (MAX_CONCURRENT_UPLOADS); no job was started`,
            { headers: { 'Retry-After': '1', Connection: 'close' } },
          ),
        );
        return;
      }
      receiving += 1;
      res.once('close', () => (receiving -= 1));
    }
    const parsed = (err?: unknown) => {
      if (err !== undefined) return next(bodyError(err, kind, documentLimit, tooLarge));
      const staged = (res.locals.staged ??= (req.file as { staged?: StagedUpload } | undefined)?.staged) as StagedUpload | undefined;
      // A job takes its upload away (move); whatever is still staged when the answer is sent is dropped.
      if (staged) {
        res.once('close', () => {
          blobs.deletePrefix(staged.key).catch((cause: unknown) => req.log.warn({ err: cause }, 'could not remove a staged upload'));
        });
      }
      next();
    };
    if (kind === 'multipart') multipart(req, res, parsed);
    else if (kind === 'json') json(req, res, parsed);
    else raw(req, res, parsed);
  };
}

/** What went wrong while reading a body, as the problem a client can act on. */
function bodyError(
  err: unknown,
  kind: 'multipart' | 'json' | 'raw',
  documentLimit: string,
  tooLarge: (detail: string) => ApiError,
): unknown {
  if (err instanceof UploadTooLargeError) return tooLarge(`the document is too large: ${documentLimit}`);
  if (err instanceof MulterError) {
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
        return tooLarge(`the document is too large: ${documentLimit}`);
      case 'LIMIT_FIELD_COUNT':
      case 'LIMIT_PART_COUNT':
        return ApiError.validation([{ field: 'form', message: `at most ${FORM_FIELDS} form fields besides "file"` }]);
      case 'LIMIT_FIELD_VALUE':
        return ApiError.validation([{ field: `form.${err.field}`, message: `at most ${FORM_FIELD_BYTES} bytes` }]);
      case 'LIMIT_FILE_COUNT':
      case 'LIMIT_UNEXPECTED_FILE':
        return ApiError.validation([{ field: err.field ? `form.${err.field}` : 'form', message: 'send one document, in the field "file"' }]);
      default:
        return ApiError.validation([{ field: err.field ? `form.${err.field}` : 'form', message: err.message }]);
    }
  }
  const parseError = err as { type?: string; message?: string };
  if (parseError.type === 'entity.too.large') {
    return tooLarge(kind === 'json' ? `the JSON body may have at most ${JSON_BODY_LIMIT_BYTES} bytes` : `the document is too large: ${documentLimit}`);
  }
  if (parseError.type === 'entity.parse.failed') {
    return ApiError.validation([{ field: 'body', message: `not valid JSON: ${parseError.message ?? 'cannot be parsed'}` }]);
  }
  if (err instanceof ApiError || (err as { status?: number }).status !== undefined) return err;
  // The multipart parser's own errors (no boundary, a body cut short): the framing is broken.
  return new ApiError(400, ApiErrorCode.MALFORMED_REQUEST, `the multipart body cannot be read: ${(err as Error).message}`);
}

/** The document and its options: form fields beside a multipart file, query parameters beside a raw body. */
function readSubmission(req: Request, res: Response): { document: SubmittedDocument; options: JobOptions } {
  if (req.is('application/json')) {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw ApiError.validation([{ field: 'body', message: 'send a JSON object such as {"sourceUrl": "https://example.com/scan.png"}' }]);
    }
    const { sourceUrl, ...options } = parse(sourceUrlRequestSchema, req.body, 'body');
    return { document: { kind: 'url', url: sourceUrl }, options };
  }
  const multipart = Boolean(req.is('multipart/form-data'));
  const options = multipart
    ? parse(jobOptionsSchema, { ...(req.body as object) }, 'form')
    : parse(jobOptionsSchema, { ...req.query }, 'query');
  const staged = res.locals.staged as StagedUpload | undefined;
  if (!staged) throw ApiError.validation([{ field: 'file', message: 'send the document as the multipart field "file"' }]);
  return { document: { kind: 'upload', staged }, options };
}

function parse<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ApiError.validation(zodToFieldErrors(parsed.error, field));
  return parsed.data;
}
