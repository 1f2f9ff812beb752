// The job's state machine, kept by the workflow. Every change is mirrored into the
// workflow memo so the API can still answer when no worker is running.
import { proxySinks, setCurrentDetails, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import {
  JOB_STATE_MEMO_KEY,
  JOB_STEPS,
  MEMO_PAGE_ERRORS,
  initialJobState,
  type JobError,
  type JobIdentity,
  type JobState,
  type JobStatus,
  type JobStep,
  type PageError,
  type PageSummary,
} from '../shared/jobs';
import { isTerminalEvent, JOB_EVENTS_MEMO_KEY, TERMINAL_EVENT_TYPES, type JobEventType, type StepRetry } from '../shared/events';
import type { JobMetricsSinks } from '../shared/metricsSinks';
import { BATCHED_STATE_PAGE_ERRORS, type PagesReport } from '../shared/pageBatches';
import {
  ERROR_CODE_SEARCH_ATTRIBUTE,
  JOB_STATUS_SEARCH_ATTRIBUTE,
  MEDIA_TYPE_SEARCH_ATTRIBUTE,
  PAGE_COUNT_SEARCH_ATTRIBUTE,
} from '../shared/searchAttributes';
import type { LoadedDocument } from '../shared/steps';
import type { EventDetail, JobEventLog } from './jobEvents';

const { jobMetrics } = proxySinks<JobMetricsSinks>();

const LOADED_PROGRESS = 5;
const PAGES_PROGRESS = 90;
/** Share of a page's progress earned by preprocessing; recognition earns the rest. */
const PREPROCESS_SHARE = 0.2;

export interface FinishedResult {
  confidence: number;
  characters: number;
  engine: string;
  pages: PageSummary[];
  /** Pages in the result when `pages` leaves them out (a job read in batches); else `pages.length`. */
  pageCount?: number;
}

export class JobTracker {
  readonly state: JobState;
  private readonly activeSteps = new Map<JobStep, number>();
  /** Share of each page's progress credited so far (0-1). */
  private readonly pageShares = new Map<number, number>();
  private recordedStatus: JobStatus;
  private recognitionMs = 0;
  /** Sum of `pageShares`. */
  private credited = 0;
  /** Read in batches: the state keeps the first page errors only. */
  private batched = false;
  /** Set while a batch's report is applied: the memo is written once, after it. */
  private deferring = false;

  /**
   * `events`: where the job's events are recorded (jobs started before events existed have
   * none); `searchable`: the job records its media type, page count and error code as search
   * attributes (jobs started before that do not); `boundedErrors`: the memo keeps the first
   * MEMO_PAGE_ERRORS page errors (jobs started before that keep them all in every write).
   */
  constructor(
    identity: JobIdentity,
    private readonly events: JobEventLog | null = null,
    private readonly searchable = false,
    private readonly boundedErrors = false,
  ) {
    this.state = initialJobState(identity);
    this.recordedStatus = this.state.status;
  }

  stepStarted(step: JobStep): void {
    this.activeSteps.set(step, (this.activeSteps.get(step) ?? 0) + 1);
    if (this.state.status === 'PENDING') {
      this.state.status = 'PROCESSING';
      this.state.startedAt = now();
      this.changed('job.processing');
    } else this.changed();
  }

  /** A step's attempt failed and its next one is waited for. */
  stepRetrying(retry: StepRetry): void {
    this.changed('job.retrying', { retry });
  }

  stepFinished(step: JobStep, ms: number): void {
    const running = (this.activeSteps.get(step) ?? 1) - 1;
    if (running > 0) this.activeSteps.set(step, running);
    else this.activeSteps.delete(step);
    this.state.timings[step] = (this.state.timings[step] ?? 0) + ms;
  }

  documentLoaded(doc: LoadedDocument): void {
    this.state.document = { mediaType: doc.mediaType, bytes: doc.bytes, pageCount: doc.pageCount };
    this.state.pages.total = doc.pages.length;
    if (this.searchable) {
      upsertSearchAttributes([
        { key: MEDIA_TYPE_SEARCH_ATTRIBUTE, value: doc.mediaType },
        { key: PAGE_COUNT_SEARCH_ATTRIBUTE, value: doc.pages.length },
      ]);
    }
    this.setProgress(LOADED_PROGRESS);
    this.changed();
  }

  pagePreprocessed(page: number): void {
    this.creditPage(page, PREPROCESS_SHARE);
  }

  pageRecognized(page: number, recognizeMs: number): void {
    jobMetrics.pageFinished('done');
    this.state.pages.done += 1;
    this.recognitionMs += recognizeMs;
    this.state.pageMs = Math.round(this.recognitionMs / this.state.pages.done);
    this.creditPage(page, 1, true);
  }

  /** A page failed for good; the job goes on with the others. */
  pageFailed(error: PageError): void {
    jobMetrics.pageFinished('failed');
    this.state.pages.failed += 1;
    if (!this.batched || this.state.pageErrors.length < BATCHED_STATE_PAGE_ERRORS) {
      this.state.pageErrors.push(error);
      this.state.pageErrors.sort((a, b) => a.page - b.page);
    }
    this.creditPage(error.page, 1);
  }

  /** The pages are read in batches: the state keeps the first BATCHED_STATE_PAGE_ERRORS page errors. */
  readingInBatches(): void {
    this.batched = true;
  }

  /** What a batch read: each page is an event, and the memo is written once for them all. */
  pagesReported({ read, failed, timings }: PagesReport): void {
    this.deferring = true;
    try {
      for (const { page, recognizeMs } of read) this.pageRecognized(page, recognizeMs);
      for (const error of failed) this.pageFailed(error);
    } finally {
      this.deferring = false;
    }
    this.state.timings.preprocess = (this.state.timings.preprocess ?? 0) + timings.preprocess;
    this.state.timings.recognize = (this.state.timings.recognize ?? 0) + timings.recognize;
    this.changed();
  }

  /** Every page was read (DONE), or some were (PARTIAL_SUCCESS, with `pageErrors`). */
  finished(result: FinishedResult): JobState {
    this.keepResult(result);
    return this.finish(this.state.pageErrors.length ? 'PARTIAL_SUCCESS' : 'DONE');
  }

  /** The pages read before the job failed (its deadline passed): kept as a partial result. */
  keepPartialResult(result: FinishedResult): void {
    this.keepResult(result);
    this.changed();
  }

  private keepResult({ pageCount, ...result }: FinishedResult): void {
    this.state.result = { pageCount: pageCount ?? result.pages.length, ...result };
    // Pages a batch read after its last report are counted by the store step.
    if (pageCount !== undefined) this.state.pages.done = Math.max(this.state.pages.done, pageCount);
  }

  failed(error: JobError): JobState {
    this.state.error = error;
    if (this.searchable) upsertSearchAttributes([{ key: ERROR_CODE_SEARCH_ATTRIBUTE, value: error.code }]);
    return this.finish('ERROR');
  }

  cancelled(): JobState {
    return this.finish('CANCELLED');
  }

  private finish(status: 'DONE' | 'PARTIAL_SUCCESS' | 'ERROR' | 'CANCELLED'): JobState {
    this.activeSteps.clear();
    this.state.status = status;
    if (status === 'DONE' || status === 'PARTIAL_SUCCESS') this.state.progress = 100;
    this.state.completedAt = now();
    this.changed(TERMINAL_EVENT_TYPES[status]);
    const { createdAt, startedAt, completedAt, error } = this.state;
    jobMetrics.jobFinished({
      status,
      code: error?.code ?? null,
      durationMs: Date.parse(completedAt) - Date.parse(createdAt),
      queueWaitMs: startedAt === null ? null : Date.parse(startedAt) - Date.parse(createdAt),
    });
    return this.state;
  }

  /** Raises the page's credited share to `share` and the job's progress with it; `read`: the page was read. */
  private creditPage(page: number, share: number, read = false): void {
    const before = this.pageShares.get(page) ?? 0;
    if (share <= before) return;
    this.pageShares.set(page, share);
    this.credited += share - before;
    const total = Math.max(this.state.pages.total, 1);
    // Stay below 100 until the result is stored: 100 means finished.
    this.setProgress(Math.min(99, Math.floor(LOADED_PROGRESS + (PAGES_PROGRESS * this.credited) / total)));
    if (read) this.changed('job.page.done', { page });
    else this.changed();
  }

  private setProgress(value: number): void {
    this.state.progress = Math.max(this.state.progress, value);
  }

  /** Records the change in the memo, and as an event when it is one. */
  private changed(event?: JobEventType, detail?: EventDetail): void {
    this.state.step = JOB_STEPS.filter((step) => this.activeSteps.has(step)).at(-1) ?? null;
    this.state.updatedAt = now();
    // What the Web UI shows as the job's current details (not a command: no history).
    setCurrentDetails(currentDetails(this.state));
    // Each write is a history event holding the whole memo: with every page error in it, a job
    // whose pages keep failing would grow its history with the square of its failures.
    if (event) {
      // A job of many pages keeps each event's page errors to the memo's few; its last event has them all.
      const trim = this.batched && !isTerminalEvent(event);
      this.events?.record(event, trim ? { ...this.state, pageErrors: this.state.pageErrors.slice(0, MEMO_PAGE_ERRORS) } : this.state, detail);
    }
    if (this.deferring) return;
    const compact = compactState(this.state);
    const memo = this.boundedErrors ? { ...compact, pageErrors: compact.pageErrors.slice(0, MEMO_PAGE_ERRORS) } : compact;
    if (this.events) {
      upsertMemo({ [JOB_STATE_MEMO_KEY]: memo, [JOB_EVENTS_MEMO_KEY]: { lastSequence: this.events.lastSequence } });
    } else upsertMemo({ [JOB_STATE_MEMO_KEY]: memo });
    if (this.state.status !== this.recordedStatus) {
      this.recordedStatus = this.state.status;
      upsertSearchAttributes([{ key: JOB_STATUS_SEARCH_ATTRIBUTE, value: this.state.status }]);
    }
  }
}

/** The state without per-page results, small enough for the memo at any page count. */
export function compactState(state: JobState): JobState {
  return state.result ? { ...state, result: { ...state.result, pages: [] } } : { ...state };
}

function currentDetails({ status, step, pages, progress }: JobState): string {
  const parts = [`**${status}**`, `${progress}%`];
  if (step) parts.push(`step ${step}`);
  if (pages.total) parts.push(`pages ${pages.done}/${pages.total} read${pages.failed ? `, ${pages.failed} failed` : ''}`);
  return parts.join(' · ');
}

function now(): string {
  // Workflow time: deterministic, the start time of the current workflow task.
  return new Date().toISOString();
}
