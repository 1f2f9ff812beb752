import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import type { OutputFormat } from '../../shared/schemas';
import { OUTPUT_FORMATS } from '../../shared/schemas';
import { isTerminalStatus, type JobRef } from '../../shared/jobs';
import { BlobNotFoundError, jobKeys, type BlobStore } from '../../storage/blobStore';
import type { JobStatusReader } from '../jobStatus';
import type { PollAdvice } from '../pollAdvice';
import { notModified } from '../conditional';
import { allowMethods } from '../methods';
import { ApiError, ApiErrorCode } from '../problems';
import { callerOf } from '../../auth/authenticate';
import { jobIdParam } from './jobs';

/** Where each result format is stored and the media type it is served as. */
export const RESULT_FORMATS: Record<OutputFormat, { mediaType: string; key: (job: JobRef) => string }> = {
  json: { mediaType: 'application/json', key: jobKeys.resultDocument },
  text: { mediaType: 'text/plain', key: jobKeys.resultText },
  hocr: { mediaType: 'text/html', key: jobKeys.resultHocr },
  pdf: { mediaType: 'application/pdf', key: jobKeys.resultPdf },
};

const isFormat = (value: string): value is OutputFormat => (OUTPUT_FORMATS as readonly string[]).includes(value);

/** A URL that serves a blob for a while without credentials (a presigned S3 URL). */
export type ResultLink = (key: string, contentType: string) => Promise<string>;

/**
 * `GET /jobs/{id}/result`: the result in a format chosen by `?format=` or by `Accept`,
 * streamed from the blob store, or with `link` a `303` to where the store serves it itself.
 */
export function resultsRouter({
  status,
  blobs,
  advice,
  link,
}: {
  status: JobStatusReader;
  blobs: BlobStore;
  advice: PollAdvice;
  link: ResultLink | null;
}): Router {
  const router = Router();
  router.get('/jobs/:jobId/result', async (req, res) => {
    const jobId = jobIdParam(req);
    const reader = callerOf(res).tenant;
    const { state, steps, tenant } = await status.read(jobId, reader);
    if (!isTerminalStatus(state.status)) {
      const retryAfter = String(advice.retryAfterSeconds(state, steps) ?? 1);
      throw new ApiError(409, ApiErrorCode.JOB_NOT_FINISHED, `job ${jobId} is ${state.status}; its result is not ready`, {
        headers: { 'Retry-After': retryAfter },
      });
    }
    // A job that ran out of time keeps the pages it read; other failed jobs have nothing.
    if (!state.result) {
      throw new ApiError(409, ApiErrorCode.JOB_FINISHED, `job ${jobId} ended ${state.status}; it has no result`);
    }
    const format = chooseFormat(req.query.format, state.outputs, (types) => req.accepts(types));
    const { key, mediaType } = RESULT_FORMATS[format];
    res.setHeader('Vary', 'Accept');
    if (link) {
      // The URL is a credential for a while: no cache may keep the answer.
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, await link(key({ jobId, tenant }), mediaType));
      return;
    }
    const blob = await blobs.read(key({ jobId, tenant })).catch(async (err: unknown) => {
      if (!(err instanceof BlobNotFoundError)) throw err;
      // Deleted or expired after the read above checked: the fresh read finds the tombstone (410).
      status.forget(jobId, reader);
      await status.read(jobId, reader);
      throw err;
    });
    res.setHeader('ETag', blob.etag);
    if (notModified(req, blob.etag)) {
      blob.body.destroy();
      res.status(304).end();
      return;
    }
    res.type(mediaType).setHeader('Content-Length', String(blob.bytes));
    if (req.method === 'HEAD') {
      blob.body.destroy();
      res.end();
      return;
    }
    // A client that goes away mid-answer ends the read too; nothing is left to report then.
    await pipeline(blob.body, res).catch((err: unknown) => {
      if (!res.writableEnded) req.log.warn({ err, jobId }, 'result answer broken off');
    });
  });
  allowMethods(router, '/jobs/:jobId/result', ['GET']);
  return router;
}

function chooseFormat(
  asked: unknown,
  produced: OutputFormat[],
  accepts: (types: string[]) => string | false,
): OutputFormat {
  if (asked !== undefined) {
    const name = String(asked);
    if (!isFormat(name)) {
      throw new ApiError(406, ApiErrorCode.NOT_ACCEPTABLE, `unknown format "${name}"; formats: ${OUTPUT_FORMATS.join(', ')}`);
    }
    if (!produced.includes(name)) {
      throw new ApiError(
        406,
        ApiErrorCode.NOT_ACCEPTABLE,
        `this job did not produce "${name}"; it produced ${produced.join(', ')} (ask with "outputs" at submit)`,
      );
    }
    return name;
  }
  const available = (Object.keys(RESULT_FORMATS) as OutputFormat[]).filter((format) => produced.includes(format));
  const chosen = accepts(available.map((format) => RESULT_FORMATS[format].mediaType));
  const format = available.find((f) => RESULT_FORMATS[f].mediaType === chosen);
  if (!format) {
    throw new ApiError(
      406,
      ApiErrorCode.NOT_ACCEPTABLE,
      `none of the produced formats is acceptable: ${available.map((f) => RESULT_FORMATS[f].mediaType).join(', ')}`,
    );
  }
  return format;
}
