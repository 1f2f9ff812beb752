import { createHash } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Config } from '../../config';
import { isTerminalStatus } from '../../shared/jobs';
import { jobOptionsSchema, sourceUrlRequestSchema, type JobOptions } from '../../shared/schemas';
import { JOB_ID_PATTERN } from '../jobIds';
import type { JobService, SubmittedDocument } from '../jobService';
import type { JobSnapshot, JobStatusReader } from '../jobStatus';
import type { PollAdvice } from '../pollAdvice';
import { parsePrefer } from '../prefer';
import { jobBody, jobSummary } from '../presenters';
import { ApiError, ApiErrorCode, zodToFieldErrors } from '../problems';
import { listQuerySchema } from '../schemas';

/** Content types accepted as a raw document body. The real type is then read from the bytes. */
const RAW_DOCUMENT_TYPES = ['image/*', 'application/pdf', 'application/octet-stream'];
const JSON_BODY_LIMIT = '64kb';

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
}

export function jobsRouter({ config, service, status, advice }: JobsRouterDeps): Router {
  const router = Router();

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
  function sendJob(req: Request, res: Response, snapshot: JobSnapshot, httpStatus = 200): void {
    const retryAfter = advice.retryAfterSeconds(snapshot.state, snapshot.steps);
    if (retryAfter !== null) res.setHeader('Retry-After', String(retryAfter));
    const { body, etag } = render(snapshot);
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    if (httpStatus === 200 && req.fresh) {
      res.status(304).end();
      return;
    }
    res.status(httpStatus).type('application/json').send(body);
  }

  router.post('/jobs', receiveDocument(config), async (req, res) => {
    const idempotencyKey = parse(idempotencyKeySchema, req.get('idempotency-key'), 'header.idempotency-key');
    const { document, options } = readSubmission(req);
    const prefer = parsePrefer(req.get('prefer'));
    const outcome = await service.submit({ document, options, idempotencyKey });
    const location = `/jobs/${outcome.jobId}`;
    res.location(location);
    const applied: string[] = [];
    if (prefer.respondAsync) applied.push('respond-async');
    let snapshot = outcome.snapshot;
    const wait = Math.min(prefer.wait ?? 0, config.preferWaitMaxSeconds);
    let ended = false;
    if (wait > 0) {
      applied.push(`wait=${wait}`);
      ended = isTerminalStatus(snapshot.state.status) || (await status.waitForEnd(outcome.jobId, wait));
      if (ended) snapshot = await status.read(outcome.jobId);
    }
    if (applied.length) res.setHeader('Preference-Applied', applied.join(', '));
    // 200 only answers a client that asked to wait; every other submit is accepted with 202.
    if (ended) res.setHeader('Content-Location', location);
    sendJob(req, res, snapshot, ended ? 200 : 202);
  });

  router.get('/jobs', async (req, res) => {
    const query = parse(listQuerySchema, { ...req.query }, 'query');
    const page = await service.list(query);
    res.json({ items: page.jobs.map((state) => jobSummary(state, config)), nextCursor: page.nextCursor });
  });

  router.get('/jobs/:jobId', async (req, res) => {
    sendJob(req, res, await status.read(jobIdParam(req)));
  });

  router.post('/jobs/:jobId/cancel', async (req, res) => {
    sendJob(req, res, await service.cancel(jobIdParam(req)), 202);
  });

  router.delete('/jobs/:jobId', async (req, res) => {
    await service.delete(jobIdParam(req));
    res.status(204).end();
  });

  return router;
}

export function jobIdParam(req: Request): string {
  const jobId = String(req.params.jobId);
  if (!JOB_ID_PATTERN.test(jobId)) throw new ApiError(404, ApiErrorCode.JOB_NOT_FOUND, `there is no job ${jobId}`);
  return jobId;
}

/**
 * Accepts the document as multipart/form-data (field `file`), as the raw request body, or
 * by reference as JSON `{ "sourceUrl": … }`.
 */
function receiveDocument(config: Config): RequestHandler {
  const maxBytes = config.limits.maxUploadBytes;
  const multipart = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024 },
  }).single('file');
  const raw = express.raw({ type: () => true, limit: maxBytes });
  const json = express.json({ limit: JSON_BODY_LIMIT });
  return (req, res, next) => {
    if (req.is('multipart/form-data')) return multipart(req, res, next);
    if (req.is('application/json')) return json(req, res, next);
    if (req.is(RAW_DOCUMENT_TYPES)) return raw(req, res, next);
    next(
      new ApiError(
        415,
        ApiErrorCode.UNSUPPORTED_MEDIA_TYPE,
        'send the document as multipart/form-data (field "file"), as the request body with its image or PDF content type, or as JSON {"sourceUrl": ...}',
      ),
    );
  };
}

/** The document and its options: form fields beside a multipart file, query parameters beside a raw body. */
function readSubmission(req: Request): { document: SubmittedDocument; options: JobOptions } {
  if (req.is('application/json')) {
    const { sourceUrl, ...options } = parse(sourceUrlRequestSchema, req.body, 'body');
    return { document: { kind: 'url', url: sourceUrl }, options };
  }
  const multipart = Boolean(req.is('multipart/form-data'));
  const options = multipart
    ? parse(jobOptionsSchema, { ...(req.body as object) }, 'form')
    : parse(jobOptionsSchema, { ...req.query }, 'query');
  const bytes = req.file?.buffer ?? (Buffer.isBuffer(req.body) ? req.body : undefined);
  if (!bytes) throw ApiError.validation([{ field: 'file', message: 'send the document as the multipart field "file"' }]);
  return { document: { kind: 'upload', bytes }, options };
}

function parse<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ApiError.validation(zodToFieldErrors(parsed.error, field));
  return parsed.data;
}
