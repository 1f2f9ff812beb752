// How a job of many pages reads them: in batches, each a child workflow of its own, so no
// workflow history grows with the document. Workflow-safe: no Node built-ins, no I/O.
import { defineSignal } from '@temporalio/workflow';
import type { JobRef, PageError } from './jobs';
import type { OutputFormat, UploadSource } from './schemas';

/** Pages a batch reads when the worker sets no PAGE_BATCH_SIZE. */
export const DEFAULT_PAGE_BATCH_SIZE = 200;
/** The most PAGE_BATCH_SIZE may be: about 15 history events a page keeps a batch under 10 000. */
export const MAX_PAGE_BATCH_SIZE = 500;
/** A batch tells its job what it read at most this often (workflow time), and when it ends. */
export const PAGES_REPORT_EVERY_MS = 5000;
/** The page errors a job of batches keeps in its state (the first ones); the result keeps them all. */
export const BATCHED_STATE_PAGE_ERRORS = 100;

/** One batch of a job's pages. */
export interface OcrPagesInput extends JobRef {
  /** The job's workflow run: the batch's page files are kept under it, as a job's own pages are. */
  runId: string;
  /** 1-based number of the batch in its job. */
  batch: number;
  batches: number;
  source: UploadSource;
  mediaType: string;
  /** Pages of the whole document. */
  pageCount: number;
  /** The pages of this batch. */
  pages: number[];
  pageConcurrency: number;
  languages: string[];
  outputs: OutputFormat[];
}

/** What a batch read since it last told its job: sent as a signal, and returned at its end. */
export interface PagesReport {
  batch: number;
  read: Array<{ page: number; recognizeMs: number }>;
  failed: PageError[];
  /** Time spent in the steps of these pages, in ms. */
  timings: { preprocess: number; recognize: number };
}

export function emptyReport(batch: number): PagesReport {
  return { batch, read: [], failed: [], timings: { preprocess: 0, recognize: 0 } };
}

export const pagesReportSignal = defineSignal<[PagesReport]>('pagesReport');

/** Workflow id of a job's batch: never a job id (those are UUIDs). */
export function pageBatchWorkflowId(jobId: string, batch: number): string {
  return `${jobId}-pages-${batch}`;
}

/** The pages, cut into batches of `size`. */
export function pageBatches(pages: number[], size: number): number[][] {
  const batches: number[][] = [];
  for (let from = 0; from < pages.length; from += size) batches.push(pages.slice(from, from + size));
  return batches;
}
