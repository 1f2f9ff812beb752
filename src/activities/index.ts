import type { Config } from '../config';
import { OCR_ENGINE } from '../ocr/engine';
import { installedLanguages } from '../ocr/languages';
import type { OcrPipeline } from '../ocr/pipeline';
import type { BlobStore } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { eventBody } from '../api/presenters';
import { webhookSecret } from '../notify/webhookSecret';
import type { TenantRegistry } from '../auth/tenantRegistry';
import { deliverWebhookActivity } from './deliverWebhook';
import { discardWorkingFilesActivity } from './discardWorkingFiles';
import { expireFinishedJobsActivity } from './expireFinishedJobs';
import { fetchSourceActivity } from './fetchSource';
import { keepPageErrorsActivity } from './keepPageErrors';
import { loadDocumentActivity } from './loadDocument';
import { preprocessPageActivity } from './preprocessPage';
import { recognizePageActivity } from './recognizePage';
import { storeResultActivity } from './storeResult';

export type { ActivityDeps } from './deps';

/** The step activities, bound to the worker's pool, blob store and limits. */
export function createActivities(deps: ActivityDeps) {
  return {
    fetchSource: fetchSourceActivity(deps),
    loadDocument: loadDocumentActivity(deps),
    preprocessPage: preprocessPageActivity(deps),
    recognizePage: recognizePageActivity(deps),
    storeResult: storeResultActivity(deps),
    keepPageErrors: keepPageErrorsActivity(deps),
    discardWorkingFiles: discardWorkingFilesActivity(deps),
    deliverWebhook: deliverWebhookActivity(deps),
    expireFinishedJobs: expireFinishedJobsActivity(deps),
  };
}

export type OcrActivities = ReturnType<typeof createActivities>;

/** Activity dependencies as a worker process has them, from its configuration. */
export function activityDepsFor(
  config: Config,
  {
    blobs,
    pipeline,
    tenants,
    engines,
  }: {
    blobs: BlobStore;
    pipeline: OcrPipeline;
    tenants?: TenantRegistry | null;
    /** The worker's engines and the languages they read (without: tesseract.js's). */
    engines?: { languages: string[]; engineName(languages: readonly string[]): string };
  },
): ActivityDeps {
  let shared: Promise<string> | null = null;
  return {
    blobs,
    pipeline,
    languages: engines?.languages ?? installedLanguages(),
    engineName: engines ? (languages) => engines.engineName(languages) : () => OCR_ENGINE,
    limits: { maxPixels: config.limits.maxPixels, maxPages: config.limits.maxPages },
    sourceFetch: config.sourceFetch,
    pageConcurrency: config.ocr.pageConcurrency,
    pageBatchSize: config.ocr.pageBatchSize,
    heartbeatIntervalMs: config.ocr.heartbeatIntervalMs,
    pageTimeoutMs: config.ocr.pageTimeoutMs,
    pdfText: config.ocr.pdfText,
    webhooks: {
      // A tenant's own secret (read from the tenants file as it is now), else the service's.
      secretFor: async (tenant) => {
        const own = tenant === undefined ? undefined : tenants?.tenant(tenant)?.webhookSecret;
        if (own) return own;
        shared ??= webhookSecret(config).then(({ secret }) => secret);
        return shared;
      },
      allowList: config.callbacks.allowList,
      present: (event) => eventBody(event, config),
    },
  };
}
