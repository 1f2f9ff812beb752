// Job vocabulary shared by the API, the workflow and the activities.
// Workflow-safe: no Node built-ins, no I/O.
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { CallbackEventSet } from './events';
import type { OutputFormat } from './schemas';

/** Task queue the worker polls and the API starts workflows on. */
export const TASK_QUEUE = 'ocr-jobs';

export const JOB_STATUSES = [
  'PENDING',
  'PROCESSING',
  'RETRYING',
  'DONE',
  'PARTIAL_SUCCESS',
  'ERROR',
  'CANCELLED',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

const TERMINAL: ReadonlySet<JobStatus> = new Set(['DONE', 'PARTIAL_SUCCESS', 'ERROR', 'CANCELLED']);
export function isTerminalStatus(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * Names a job and whom it belongs to. Jobs of a tenant keep their blobs under the tenant's
 * prefix; jobs submitted without tenants (an open API, or before tenants existed) have none.
 */
export interface JobRef {
  jobId: string;
  tenant?: string | undefined;
}

/** The steps of a job, in the order they run. Each is one kind of activity. */
export const JOB_STEPS = ['fetch', 'load', 'preprocess', 'recognize', 'store'] as const;
export type JobStep = (typeof JOB_STEPS)[number];

export interface JobError {
  /** Stable machine-readable code, see the error catalogue. */
  code: string;
  message: string;
  /** Whether submitting the same document again may succeed. */
  retryable: boolean;
  failedStep: JobStep;
}

/** How a page's text was ordered: one flow, columns one after another, or a table by rows. */
export const PAGE_LAYOUTS = ['flow', 'columns', 'table'] as const;
export type PageLayout = (typeof PAGE_LAYOUTS)[number];
/** What a page's text was read from: the prepared page, or the page as decoded. */
export const PAGE_READINGS = ['prepared', 'plain'] as const;
/** Where a page's text came from: a PDF page's own text layer, or OCR of its image. */
export const PAGE_SOURCES = ['text-layer', 'ocr'] as const;
export type PageSource = (typeof PAGE_SOURCES)[number];
export type PageReadingSource = (typeof PAGE_READINGS)[number];

export interface PageSummary {
  page: number;
  /** Mean word confidence, 0-100. */
  confidence: number;
  words: number;
  characters: number;
  /** Size of the page as submitted, in pixels (after its EXIF orientation; a PDF page as rendered). */
  width: number;
  height: number;
  /** Clockwise degrees the page was turned to stand upright (0, 90, 180, 270). */
  orientation: number;
  /** Slope of the text lines that was corrected, in degrees. */
  skew: number;
  layout: PageLayout;
  /** What was read: the prepared page, or the page as decoded when that read better (a weak prepared reading). */
  reading: PageReadingSource;
  /** Where the text came from; absent in pages of older workers (all OCR). */
  source?: PageSource;
  preprocessMs: number;
  recognizeMs: number;
}

/** A page that failed after its retries; the other pages of the job still count. */
export interface PageError {
  page: number;
  code: string;
  message: string;
  retryable: boolean;
  failedStep: JobStep;
}

export interface JobResultSummary {
  pageCount: number;
  /** Mean word confidence over the document, 0-100. */
  confidence: number;
  characters: number;
  pages: PageSummary[];
  /** The OCR engine and language data that produced the result. */
  engine: string;
}

export interface DocumentInfo {
  mediaType: string;
  bytes: number;
  pageCount: number;
}

/** What the status query answers, and what a finished workflow returns. */
export interface JobState {
  jobId: string;
  status: JobStatus;
  /** 0-100, never decreases, 100 once DONE. */
  progress: number;
  /** The step running now; null before the first and after the last. */
  step: JobStep | null;
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  completedAt: string | null;
  document: DocumentInfo | null;
  pages: { total: number; done: number; failed: number };
  result: JobResultSummary | null;
  error: JobError | null;
  /** Pages that failed while others succeeded (PARTIAL_SUCCESS), or every page (ERROR). */
  pageErrors: PageError[];
  /** Time spent in each step so far, summed over pages, in ms. */
  timings: Partial<Record<JobStep, number>>;
  /** When the job gives up with JOB_TIMEOUT. */
  deadline: string;
  /** The client's key/values from the submit, returned as they were. */
  metadata: Record<string, string> | null;
  /** Result formats this job produces. */
  outputs: OutputFormat[];
  /** Mean time to recognise one page of this job so far, in ms; null before the first. */
  pageMs: number | null;
  /** Where the job's events go as webhooks (absent for jobs from before events, and jobs without one). */
  callback?: JobCallback | null;
}

export interface JobCallback {
  url: string;
  events: CallbackEventSet;
}

/** Memo key under which the workflow records its last state, readable without a worker. */
export const JOB_STATE_MEMO_KEY = 'job';
/** The page errors that state in the memo keeps (the first ones; `pages.failed` counts them all). */
export const MEMO_PAGE_ERRORS = 20;
/** Memo key holding the fingerprint of the submitted request (document hash + options). */
export const REQUEST_FINGERPRINT_MEMO_KEY = 'requestFingerprint';
/** Memo key of the submit's X-Request-Id (absent for jobs from before it was kept). */
export const REQUEST_ID_MEMO_KEY = 'requestId';
/** Memo key of the tenant a job belongs to (absent for jobs without one). */
export const TENANT_MEMO_KEY = 'tenant';
/** Memo key of the trace the job belongs to: the submit request's (absent for jobs from before traces). */
export const TRACE_ID_MEMO_KEY = 'traceId';

/** Header a job's workflow gives its activities and child workflows, so their logs name the job. */
export const LOG_CONTEXT_HEADER = 'ocr-log-context';

/** What every log line of a job carries, where known. */
export interface JobLogContext {
  jobId?: string | undefined;
  requestId?: string | undefined;
  tenant?: string | undefined;
}

/** The log context a workflow handed on in `headers` (none: empty). */
export function logContextIn(headers: Headers): JobLogContext {
  const header = headers[LOG_CONTEXT_HEADER];
  return header ? (defaultPayloadConverter.fromPayload(header) as JobLogContext) : {};
}

/** `headers` with the log context to hand on. */
export function withLogContext(headers: Headers, context: JobLogContext): Headers {
  return { ...headers, [LOG_CONTEXT_HEADER]: defaultPayloadConverter.toPayload(context) };
}

export interface JobIdentity {
  jobId: string;
  createdAt: string;
  deadline: string;
  metadata?: Record<string, string> | undefined;
  outputs: OutputFormat[];
  callback?: JobCallback | null;
}

export function initialJobState({ jobId, createdAt, deadline, metadata, outputs, callback }: JobIdentity): JobState {
  return {
    jobId,
    status: 'PENDING',
    progress: 0,
    step: null,
    createdAt,
    startedAt: null,
    updatedAt: createdAt,
    completedAt: null,
    document: null,
    pages: { total: 0, done: 0, failed: 0 },
    result: null,
    error: null,
    pageErrors: [],
    timings: {},
    deadline,
    metadata: metadata ?? null,
    outputs,
    pageMs: null,
    ...(callback === undefined ? {} : { callback }),
  };
}
