import type { PdfTextSetting } from '../ocr/textLayer';
import type { OcrPipeline } from '../ocr/pipeline';
import type { EventFacts } from '../api/presenters';
import type { BlobStore } from '../storage/blobStore';

/** What the step activities need from the worker process; tests pass their own. */
export interface ActivityDeps {
  blobs: BlobStore;
  /** Decodes, cleans up and recognises pages (wraps the worker's OCR engine pool). */
  pipeline: OcrPipeline;
  /** Codes of the languages installed for the OCR engines. */
  languages: readonly string[];
  /** The engine (and model) this worker reads pages in `languages` with, as `result.engine` names it. */
  engineName(languages: readonly string[]): string;
  limits: {
    /** Largest image, in pixels, a page may have. */
    maxPixels: number;
    /** Most pages one job may recognise. */
    maxPages: number;
  };
  /** How `sourceUrl` documents are downloaded. */
  sourceFetch: {
    maxBytes: number;
    timeoutMs: number;
    /** Non-public addresses (IPs, CIDRs, host names) that may be fetched anyway. */
    allowList: readonly string[];
  };
  /** How many pages of one document run at once. */
  pageConcurrency: number;
  /** Pages one batch of a large document reads. */
  pageBatchSize: number;
  /** How often a long step reports that it is alive, in ms. */
  heartbeatIntervalMs: number;
  /** Longest one page may keep the OCR engine busy, in ms. */
  pageTimeoutMs: number;
  /** How PDF pages with a text layer are read (PDF_TEXT). */
  pdfText: PdfTextSetting;
  webhooks: {
    /** The secret a tenant's webhooks (or those of jobs without a tenant) are signed with. */
    secretFor(tenant: string | undefined): Promise<string>;
    /** Non-public addresses a callbackUrl may reach anyway. */
    allowList: readonly string[];
    /** A webhook's body: the event, its job as GET /jobs/{id} shows it without the result text. */
    present(event: EventFacts): unknown;
  };
}
