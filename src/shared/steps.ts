// Inputs and outputs of the step activities. Small on purpose: page images and
// recognised text live in the blob store, workflow history holds their keys.
import type { PageSummary } from './jobs';
import type { OutputFormat, PageRange, UploadSource, UrlSource } from './schemas';

export interface FetchSourceInput {
  jobId: string;
  source: UrlSource;
}

export interface LoadDocumentInput {
  jobId: string;
  source: UploadSource;
  /** Pages asked for; every page when absent. */
  pages?: PageRange[] | undefined;
}
export interface LoadedDocument {
  mediaType: string;
  bytes: number;
  pageCount: number;
  /** 1-based numbers of the pages to recognise. */
  pages: number[];
  /** How many pages of this document may be worked on at once (worker config). */
  pageConcurrency: number;
}

export interface PreprocessPageInput {
  jobId: string;
  source: UploadSource;
  mediaType: string;
  page: number;
}
export interface PreprocessedPage {
  page: number;
  imageKey: string;
  width: number;
  height: number;
}

export interface RecognizePageInput {
  jobId: string;
  page: number;
  image: PreprocessedPage;
  languages: string[];
  outputs: OutputFormat[];
}
export interface RecognizedPage extends PageSummary {
  resultKey: string;
  durationMs: number;
}

export interface StoreResultInput {
  jobId: string;
  pages: RecognizedPage[];
  outputs: OutputFormat[];
}
export interface StoredResult {
  resultKey: string;
  confidence: number;
  characters: number;
}
