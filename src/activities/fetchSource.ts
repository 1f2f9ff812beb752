import { createHash } from 'node:crypto';
import { download, DownloadError } from '../net/download';
import { detectMediaType } from '../ocr/mediaType';
import { JobErrorCode } from '../shared/errorCodes';
import type { UploadSource } from '../shared/schemas';
import type { FetchSourceInput } from '../shared/steps';
import { jobKeys } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { permanentFailure, storage, transientFailure } from './failures';
import { runStep } from './step';
import { inStage } from '../tracing/stages';

const FAILURE_CODES = {
  forbidden: JobErrorCode.SOURCE_FORBIDDEN,
  'too-large': JobErrorCode.SOURCE_TOO_LARGE,
  unsupported: JobErrorCode.UNSUPPORTED_MEDIA_TYPE,
} as const;

/** Step `fetch`: download a `sourceUrl` document into the blob store, as if it had been uploaded. */
export function fetchSourceActivity(deps: ActivityDeps) {
  return async function fetchSource({ jobId, tenant, source }: FetchSourceInput): Promise<UploadSource> {
    let received = 0;
    const spec = {
      step: 'fetch' as const,
      jobId,
      unexpected: JobErrorCode.SOURCE_UNAVAILABLE,
      heartbeatIntervalMs: deps.heartbeatIntervalMs,
      progress: () => ({ bytes: received }),
    };
    return runStep(spec, async (signal) => {
      // The host only: a URL's path and query may carry credentials.
      const { bytes } = await inStage('download', { 'server.address': new URL(source.url).hostname }, async (span) => {
        const downloaded = await download(source.url, {
          ...deps.sourceFetch,
          signal,
          onProgress: (total) => (received = total),
        }).catch((err: unknown) => {
          if (!(err instanceof DownloadError)) throw err;
          throw err.kind === 'unavailable'
            ? transientFailure(JobErrorCode.SOURCE_UNAVAILABLE, err.message)
            : permanentFailure(FAILURE_CODES[err.kind], err.message);
        });
        span.setAttribute('http.response.body.size', downloaded.bytes.length);
        return downloaded;
      });
      const mediaType = detectMediaType(bytes);
      if (mediaType === null) {
        throw permanentFailure(JobErrorCode.UNSUPPORTED_MEDIA_TYPE, 'the downloaded document is none of the supported types');
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const key = jobKeys.source({ jobId, tenant }, sha256);
      await storage('storing the downloaded document', () => deps.blobs.put(key, bytes));
      return { kind: 'upload', key, sha256, bytes: bytes.length, mediaType };
    });
  };
}
