// Inputs and outputs of the step activities. Small on purpose: page images and
// recognised text live in the blob store, workflow history holds their keys.
import type { DocumentSource } from './schemas';
import type { PageSummary } from './jobs';

export interface LoadDocumentInput {
  jobId: string;
  source: DocumentSource;
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
  source: DocumentSource;
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
}
export interface RecognizedPage extends PageSummary {
  resultKey: string;
  durationMs: number;
}

export interface StoreResultInput {
  jobId: string;
  pages: RecognizedPage[];
}
export interface StoredResult {
  resultKey: string;
  confidence: number;
  characters: number;
}
