import express, { Router, type RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Config } from '../../config';
import { jobOptionsSchema, type JobOptions } from '../../shared/schemas';
import { JOB_ID_PATTERN } from '../jobIds';
import type { JobService } from '../jobService';
import type { JobStatusReader } from '../jobStatus';
import { jobBody, jobLinks } from '../presenters';
import { ApiError, ApiErrorCode, zodToFieldErrors } from '../problems';

/** Content types accepted as a raw document body. The real type is then read from the bytes. */
const RAW_DOCUMENT_TYPES = ['image/*', 'application/pdf', 'application/octet-stream'];

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
}

export function jobsRouter({ config, service, status }: JobsRouterDeps): Router {
  const router = Router();

  router.post('/jobs', receiveDocument(config), async (req, res) => {
    const idempotencyKey = parse(idempotencyKeySchema, req.get('idempotency-key'), 'header.idempotency-key');
    const options = parseOptions(req);
    const document = req.file?.buffer ?? (Buffer.isBuffer(req.body) ? req.body : undefined);
    if (!document) {
      throw ApiError.validation([{ field: 'file', message: 'send the document as the multipart field "file"' }]);
    }
    const outcome = await service.submit({ document, options, idempotencyKey });
    res.status(202).location(`/jobs/${outcome.jobId}`);
    if (outcome.created) {
      res.json({ jobId: outcome.jobId, status: 'PENDING', createdAt: outcome.createdAt, links: jobLinks(outcome.jobId) });
    } else {
      res.json(jobBody(await status.read(outcome.jobId)));
    }
  });

  router.get('/jobs/:jobId', async (req, res) => {
    const jobId = req.params.jobId;
    if (!JOB_ID_PATTERN.test(jobId)) throw new ApiError(404, ApiErrorCode.JOB_NOT_FOUND, `there is no job ${jobId}`);
    res.json(jobBody(await status.read(jobId)));
  });

  return router;
}

/** Accepts the document as multipart/form-data (field `file`) or as the raw request body. */
function receiveDocument(config: Config): RequestHandler {
  const maxBytes = config.limits.maxUploadBytes;
  const multipart = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024 },
  }).single('file');
  const raw = express.raw({ type: () => true, limit: maxBytes });
  return (req, res, next) => {
    if (req.is('multipart/form-data')) return multipart(req, res, next);
    if (req.is(RAW_DOCUMENT_TYPES)) return raw(req, res, next);
    next(
      new ApiError(
        415,
        ApiErrorCode.UNSUPPORTED_MEDIA_TYPE,
        'send the document as multipart/form-data (field "file") or as the request body with its image or PDF content type',
      ),
    );
  };
}

/** Job options: form fields beside a multipart file, query parameters beside a raw body. */
function parseOptions(req: express.Request): JobOptions {
  const fromMultipart = Boolean(req.is('multipart/form-data'));
  const source: unknown = fromMultipart ? { ...(req.body as object) } : { ...req.query };
  return parse(jobOptionsSchema, source, fromMultipart ? 'form' : 'query');
}

function parse<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ApiError.validation(zodToFieldErrors(parsed.error, field));
  return parsed.data;
}
