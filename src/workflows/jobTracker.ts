// The job's state machine, kept by the workflow. Every change is mirrored into the
// workflow memo so the API can still answer when no worker is running.
import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import {
  JOB_STATE_MEMO_KEY,
  JOB_STEPS,
  initialJobState,
  type JobError,
  type JobIdentity,
  type JobState,
  type JobStatus,
  type JobStep,
  type PageSummary,
} from '../shared/jobs';
import { JOB_STATUS_SEARCH_ATTRIBUTE } from '../shared/searchAttributes';
import type { LoadedDocument } from '../shared/steps';

const LOADED_PROGRESS = 5;
const PAGES_PROGRESS = 90;
/** Share of a page's progress earned by preprocessing; recognition earns the rest. */
const PREPROCESS_SHARE = 0.2;

export class JobTracker {
  readonly state: JobState;
  private readonly activeSteps = new Map<JobStep, number>();
  private pageProgress = 0;
  private recordedStatus: JobStatus;
  private recognitionMs = 0;

  constructor(identity: JobIdentity) {
    this.state = initialJobState(identity);
    this.recordedStatus = this.state.status;
  }

  stepStarted(step: JobStep): void {
    this.activeSteps.set(step, (this.activeSteps.get(step) ?? 0) + 1);
    if (this.state.status === 'PENDING') {
      this.state.status = 'PROCESSING';
      this.state.startedAt = now();
    }
    this.changed();
  }

  stepFinished(step: JobStep): void {
    const running = (this.activeSteps.get(step) ?? 1) - 1;
    if (running > 0) this.activeSteps.set(step, running);
    else this.activeSteps.delete(step);
  }

  documentLoaded(doc: LoadedDocument): void {
    this.state.document = { mediaType: doc.mediaType, bytes: doc.bytes, pageCount: doc.pageCount };
    this.state.pages.total = doc.pages.length;
    this.setProgress(LOADED_PROGRESS);
    this.changed();
  }

  pagePreprocessed(): void {
    this.advancePages(PREPROCESS_SHARE);
  }

  pageRecognized(durationMs: number): void {
    this.state.pages.done += 1;
    this.recognitionMs += durationMs;
    this.state.pageMs = Math.round(this.recognitionMs / this.state.pages.done);
    this.advancePages(1 - PREPROCESS_SHARE);
  }

  done(result: { confidence: number; characters: number; pages: PageSummary[] }): JobState {
    this.state.result = {
      pageCount: result.pages.length,
      confidence: result.confidence,
      characters: result.characters,
      pages: result.pages,
    };
    return this.finish('DONE');
  }

  failed(error: JobError): JobState {
    this.state.error = error;
    return this.finish('ERROR');
  }

  cancelled(): JobState {
    return this.finish('CANCELLED');
  }

  private finish(status: 'DONE' | 'ERROR' | 'CANCELLED'): JobState {
    this.activeSteps.clear();
    this.state.status = status;
    if (status === 'DONE') this.state.progress = 100;
    this.state.completedAt = now();
    this.changed();
    return this.state;
  }

  private advancePages(share: number): void {
    const total = Math.max(this.state.pages.total, 1);
    this.pageProgress += (PAGES_PROGRESS * share) / total;
    // Stay below 100 until the result is stored: 100 means DONE.
    this.setProgress(Math.min(99, Math.floor(LOADED_PROGRESS + this.pageProgress)));
    this.changed();
  }

  private setProgress(value: number): void {
    this.state.progress = Math.max(this.state.progress, value);
  }

  private changed(): void {
    this.state.step = JOB_STEPS.filter((step) => this.activeSteps.has(step)).at(-1) ?? null;
    this.state.updatedAt = now();
    upsertMemo({ [JOB_STATE_MEMO_KEY]: compactState(this.state) });
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

function now(): string {
  // Workflow time: deterministic, the start time of the current workflow task.
  return new Date().toISOString();
}
