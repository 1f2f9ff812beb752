import sharp from 'sharp';
import { asDecodeError } from '../ocr/decodeError';
import { detectMediaType } from '../ocr/mediaType';
import { OcrPipeline } from '../ocr/pipeline';
import { JobErrorCode } from '../shared/errorCodes';
import type { JobRef } from '../shared/jobs';
import type { PageRange, UploadSource } from '../shared/schemas';
import type { LoadDocumentInput, LoadedDocument } from '../shared/steps';
import { jobKeys, type BlobStore } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { decodeFailure } from './documentErrors';
import { permanentFailure, storage } from './failures';
import { currentRunId } from './run';
import { readSource } from './source';
import { runStep } from './step';

/** Step `load`: check that the document is one we can read, count and choose its pages. */
export function loadDocumentActivity(deps: ActivityDeps) {
  return async function loadDocument({ jobId, tenant, source, pages: ranges }: LoadDocumentInput): Promise<LoadedDocument> {
    const spec = { step: 'load' as const, jobId, unexpected: JobErrorCode.INTERNAL_ERROR, heartbeatIntervalMs: deps.heartbeatIntervalMs };
    return runStep(spec, async (signal) => {
      await storage('removing what earlier runs left', () => clearEarlierRuns(deps.blobs, { jobId, tenant }, currentRunId(), source));
      const bytes = await readSource(deps.blobs, source);
      const mediaType = detectMediaType(bytes);
      if (mediaType === null) {
        throw permanentFailure(JobErrorCode.UNSUPPORTED_MEDIA_TYPE, 'documents of type unknown cannot be read');
      }
      const what = `the ${mediaType} document`;
      if (!OcrPipeline.rasterizes(mediaType)) await checkPixels(bytes, what, deps.limits.maxPixels);
      const pageCount = await deps.pipeline.pageCount(source.sha256, bytes, mediaType, signal).catch((err: unknown) => {
        throw decodeFailure(err, what);
      });
      if (pageCount === 0) throw permanentFailure(JobErrorCode.CORRUPT_DOCUMENT, 'the document has no pages');
      const pages = selectPages(pageCount, ranges);
      if (pages.length > deps.limits.maxPages) {
        throw permanentFailure(
          JobErrorCode.TOO_MANY_PAGES,
          `${pages.length} pages to read, over the limit of ${deps.limits.maxPages}; choose fewer with "pages"`,
        );
      }
      return { mediaType, bytes: bytes.length, pageCount, pages, pageConcurrency: deps.pageConcurrency, pageBatchSize: deps.pageBatchSize };
    });
  };
}

/**
 * A job id is reused once Temporal has forgotten its closed workflow (a repeated
 * Idempotency-Key after the namespace's retention): what earlier runs left under the job
 * (their pages, their result, another document) is removed before this run reads anything.
 */
async function clearEarlierRuns(blobs: BlobStore, job: JobRef, runId: string, source: UploadSource): Promise<void> {
  for (const run of await blobs.list(jobKeys.runs(job))) {
    if (run !== runId) await blobs.deletePrefix(`${jobKeys.runs(job)}/${run}`);
  }
  await blobs.deletePrefix(jobKeys.result(job));
  for (const sha256 of await blobs.list(jobKeys.sources(job))) {
    const key = jobKeys.source(job, sha256);
    if (key !== source.key) await blobs.deletePrefix(key);
  }
}

/** Decompression-bomb guard for images: their header says how big a page is. */
async function checkPixels(bytes: Buffer, what: string, maxPixels: number): Promise<void> {
  const metadata = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch((err: unknown) => {
      throw decodeFailure(asDecodeError(err), what);
    });
  const width = metadata.width ?? 0;
  const height = metadata.pageHeight ?? metadata.height ?? 0;
  if (width * height > maxPixels) {
    throw permanentFailure(JobErrorCode.IMAGE_TOO_LARGE, `a page of ${width}x${height} pixels is over the limit of ${maxPixels} pixels`);
  }
}

/** The sorted, distinct pages the ranges name; every page without ranges. */
function selectPages(pageCount: number, ranges: PageRange[] | undefined): number[] {
  if (!ranges) return Array.from({ length: pageCount }, (_, index) => index + 1);
  const beyond = ranges.find((range) => range.to > pageCount);
  if (beyond) {
    throw permanentFailure(
      JobErrorCode.PAGE_OUT_OF_RANGE,
      `pages ${beyond.from}-${beyond.to} were asked for, but the document has ${pageCount} page${pageCount === 1 ? '' : 's'}`,
    );
  }
  const pages = new Set<number>();
  for (const { from, to } of ranges) for (let page = from; page <= to; page++) pages.add(page);
  return [...pages].sort((a, b) => a - b);
}
