import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  type ChildWorkflowHandle,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { OcrActivities } from '../activities';
import { JobErrorCode } from '../shared/errorCodes';
import { isTerminalEvent, jobEventsQuery, stepRetryingSignal, TERMINAL_EVENT_TYPES, type JobEvent } from '../shared/events';
import type { JobError, JobRef, JobState, JobStep, PageSummary } from '../shared/jobs';
import { squeezeEvents } from '../shared/eventChanges';
import { jobStatusQuery } from '../shared/messages';
import { pageBatches, pageBatchWorkflowId, pagesReportSignal } from '../shared/pageBatches';
import type { OcrJobInput, UploadSource } from '../shared/schemas';
import type { LoadedDocument, RecognizedPage } from '../shared/steps';
import { CLEANUP_POLICY, STEP_POLICIES, storePolicy } from '../shared/stepPolicies';
import { jobEventSignal, jobEventsSignal, jobWebhooksWorkflowId } from '../shared/webhooks';
import { JobEventLog } from './jobEvents';
import { jobWebhooksWorkflow } from './jobWebhooks';
import { JobTracker, type FinishedResult } from './jobTracker';
import { ocrPagesWorkflow } from './ocrPages';
import { AllPagesFailed, forEachWithConcurrency, ONE_STEP_TEXT_LAYERS_PATCH, readPage, StepFailure, timedStep, toJobError } from './pageSteps';
import { webhookDeliveryWorkflow } from './webhookDelivery';

const { fetchSource } = proxyActivities<OcrActivities>(STEP_POLICIES.fetch);
const { loadDocument } = proxyActivities<OcrActivities>(STEP_POLICIES.load);
const { storeResult: storeResultFixed } = proxyActivities<OcrActivities>(STEP_POLICIES.store);
const { discardWorkingFiles } = proxyActivities<OcrActivities>(CLEANUP_POLICY);

/**
 * Jobs started before this patch store their result with the fixed two-minute timeout and
 * end ERROR or CANCELLED without removing their working files; jobs from it on scale the
 * store's timeout with the pages (heartbeating) and clean up when they fail.
 */
const HARDENING_PATCH = 'store-scales-and-failed-jobs-clean-up';

/**
 * Jobs started before this patch stop waiting for a page step the moment it is cancelled
 * (by a cancel or the deadline), so a step still running could write a page after the
 * working files were cleared or the partial result stored; from it on, page steps are
 * waited for until they have ended.
 */
const PAGE_STEPS_SETTLE_PATCH = 'page-steps-settle-when-cancelled';

/** Jobs started before this patch send nothing to their callbackUrl; from it on, their end is delivered as a webhook. */
const NOTIFY_PATCH = 'webhook-on-job-end';

/**
 * Jobs started before this patch record no events and hand their end alone to a delivery
 * workflow of its own; from it on, a job numbers its events (read by the event stream) and
 * hands those its callbackUrl wants, in order, to one `jobWebhooksWorkflow`.
 */
const EVENTS_PATCH = 'job-events';

/**
 * Jobs started before this patch keep only their status (and tenant) as search attributes and
 * schedule steps without a summary; from it on, they add OcrMediaType, OcrPageCount and
 * OcrErrorCode, and each page step says which page of how many it is.
 */
const UI_DETAILS_PATCH = 'web-ui-details';

/**
 * Jobs started before this patch write every page error to the memo at each change, so their
 * history grows with the square of their failed pages; from it on, the memo keeps the first
 * MEMO_PAGE_ERRORS (the count is in `pages.failed`; the job's query and result keep them all).
 */
const BOUNDED_PAGE_ERRORS_PATCH = 'bounded-memo-page-errors';

/**
 * Jobs started before this patch read every page in their own workflow and hand their events
 * to the webhook workflow one signal each; from it on, a document of more than the worker's
 * PAGE_BATCH_SIZE pages is read in batches, each a child workflow (`ocrPagesWorkflow`) that
 * reports what it read at most every few seconds; the job keeps the first page errors and
 * the counts, its `store` step finds the pages in the blob store, and events waiting for the
 * webhook workflow go over together.
 */
const PAGE_BATCHES_PATCH = 'page-batches';

/** Most events handed to the webhook workflow in one signal. */
const EVENTS_PER_HANDOVER = 50;

/** How long a job's webhook workflow waits for its next event past the job's deadline. */
const WEBHOOKS_GRACE_MS = 60 * 60_000;

/**
 * One OCR job: load the document, preprocess and recognise each page, store the result.
 * Returns the final job state; a failed job fails the workflow with the state as details.
 */
export async function ocrJobWorkflow(input: OcrJobInput): Promise<JobState> {
  const { jobId, tenant, options } = input;
  const settle = patched(PAGE_STEPS_SETTLE_PATCH);
  const notifies = patched(NOTIFY_PATCH);
  const events = patched(EVENTS_PATCH) ? new JobEventLog() : null;
  const described = patched(UI_DETAILS_PATCH);
  const boundedErrors = patched(BOUNDED_PAGE_ERRORS_PATCH);
  const batches = patched(PAGE_BATCHES_PATCH);
  const oneStepLayers = patched(ONE_STEP_TEXT_LAYERS_PATCH);
  /** Whether the job is being stopped (cancel or deadline), whatever the step's own error. */
  const stopping = (err: unknown, scope: CancellationScope) => isCancellation(err) || (settle && scope.consideredCancelled);
  const job = new JobTracker({
    jobId,
    createdAt: input.createdAt,
    deadline: input.deadline,
    metadata: options.metadata,
    outputs: options.outputs,
    ...(events ? { callback: options.callbackUrl ? { url: options.callbackUrl, events: options.callbackEvents ?? 'terminal' } : null } : {}),
  }, events, described, boundedErrors);
  setHandler(jobStatusQuery, () => job.state);
  if (batches) setHandler(pagesReportSignal, (report) => job.pagesReported(report));
  const outbox = events ? webhookOutbox(events) : null;
  if (events) {
    setHandler(jobEventsQuery, ({ after, limit }) => events.after(after, limit));
    setHandler(stepRetryingSignal, (retry) => {
      if (job.state.status === 'PROCESSING') job.stepRetrying(retry);
    });
  }

  async function step<T>(name: JobStep, run: () => Promise<T>): Promise<T> {
    job.stepStarted(name);
    return timedStep(name, run, (ms) => job.stepFinished(name, ms));
  }

  /** Pages read so far, in the order they finished; kept when the deadline passes. */
  const read: RecognizedPage[] = [];

  async function readDocument(): Promise<void> {
    const submitted = input.source;
    const source =
      submitted.kind === 'url' ? await step('fetch', () => fetchSource({ jobId, tenant, source: submitted })) : submitted;
    const doc = await step('load', () => loadDocument({ jobId, tenant, source, pages: options.pages }));
    job.documentLoaded(doc);
    if (batches && doc.pageBatchSize !== undefined && doc.pages.length > doc.pageBatchSize) {
      return readInBatches(source, doc, doc.pageBatchSize);
    }
    // Each page is read on its own: one that fails after its retries does not sink the others.
    await forEachWithConcurrency(doc.pages, doc.pageConcurrency, async (page) => {
      try {
        const pageInput = { jobId, tenant, source, mediaType: doc.mediaType, page, pageCount: doc.pageCount, languages: options.languages, outputs: options.outputs };
        const recognized = await readPage(pageInput, { settle, described, oneStepLayers }, step, () => job.pagePreprocessed(page));
        job.pageRecognized(page, recognized.recognizeMs);
        read.push(recognized);
      } catch (err) {
        // A page that failed while the job was being stopped does not count as a failed page.
        if (stopping(err, CancellationScope.current())) throw err;
        const { code, message, retryable, failedStep } = toJobError(err);
        log.warn('page failed', { jobId, page, code, failedStep, error: message });
        job.pageFailed({ page, code, message, retryable, failedStep });
      }
    });
  }

  /** Whether the pages are read in batches: the job holds only their counts, the blob store their results. */
  let inBatches = false;

  /**
   * Reads the pages in batches of `size`, one child workflow after another: each reports what
   * it read (pagesReportSignal) and returns the rest. The job's step is `recognize` all along;
   * the batches report the time of their steps.
   */
  async function readInBatches(source: UploadSource, doc: LoadedDocument, size: number): Promise<void> {
    inBatches = true;
    job.readingInBatches();
    const cut = pageBatches(doc.pages, size);
    const { runId } = workflowInfo();
    job.stepStarted('recognize');
    try {
      for (const [index, pages] of cut.entries()) {
        const batch = index + 1;
        const rest = await executeChild(ocrPagesWorkflow, {
          workflowId: pageBatchWorkflowId(jobId, batch),
          args: [{
            jobId,
            tenant,
            runId,
            batch,
            batches: cut.length,
            source,
            mediaType: doc.mediaType,
            pageCount: doc.pageCount,
            pages,
            pageConcurrency: doc.pageConcurrency,
            languages: options.languages,
            outputs: options.outputs,
          }],
          staticSummary: `pages ${pages[0]}-${pages.at(-1)} of ${doc.pageCount} (batch ${batch}/${cut.length})`,
        });
        job.pagesReported(rest);
      }
    } catch (err) {
      throw isCancellation(err) ? err : new StepFailure('recognize', err);
    } finally {
      job.stepFinished('recognize', 0);
    }
  }

  /** How many pages were read: those the batches reported, or those the job read itself. */
  const pagesRead = () => (inBatches ? job.state.pages.done : read.length);

  async function storeRead(): Promise<FinishedResult> {
    if (inBatches) {
      const { storeResult } = proxyActivities<OcrActivities>(storePolicy(job.state.pages.total));
      const stored = await step('store', () =>
        storeResult({ jobId, tenant, pages: [], outputs: options.outputs, pageErrors: job.state.pageErrors, pagesOfRun: true }),
      );
      const { confidence, characters, engine, pageCount = 0 } = stored;
      return { confidence, characters, engine, pages: [], pageCount };
    }
    const pages = [...read].sort((a, b) => a.page - b.page);
    const storeResult = patched(HARDENING_PATCH)
      ? proxyActivities<OcrActivities>(storePolicy(pages.length)).storeResult
      : storeResultFixed;
    const stored = await step('store', () =>
      storeResult({ jobId, tenant, pages, outputs: options.outputs, pageErrors: job.state.pageErrors }),
    );
    return { confidence: stored.confidence, characters: stored.characters, engine: stored.engine, pages: pages.map(pageSummary) };
  }

  // The deadline cancels the reading; what was read by then is kept.
  const work = new CancellationScope();
  const timer = new CancellationScope();
  let timedOutIn: JobStep | null | undefined;
  timer
    .run(() => sleep(Math.max(1, Date.parse(input.deadline) - Date.now())))
    .then(() => {
      timedOutIn = job.state.step;
      work.cancel();
    })
    .catch(() => undefined);

  log.info('job started', { source: input.source.kind, languages: options.languages.join('+') });
  try {
    await work.run(readDocument);
    if (pagesRead() === 0) throw new AllPagesFailed(job.state.pageErrors, job.state.pages.failed);
    const final = job.finished(await storeRead());
    log.info('job finished', { status: final.status, pages: final.result?.pageCount ?? 0, failedPages: final.pages.failed });
    await announceEnd(final);
    return final;
  } catch (err) {
    const stopped = stopping(err, work);
    if (stopped && timedOutIn === undefined) {
      job.cancelled();
      log.info('job cancelled', { jobId });
      await discardWorkingFilesOf({ jobId, tenant });
      await announceEnd(job.state);
      // A step that failed on its own while the job was being cancelled still ends it CANCELLED.
      throw isCancellation(err) ? err : new CancelledFailure('the job was cancelled');
    }
    const error = stopped ? await timedOut(timedOutIn ?? null) : toJobError(err);
    log.warn('job failed', { jobId, code: error.code, failedStep: error.failedStep, error: error.message });
    const failure = failJob(job, error);
    await discardWorkingFilesOf({ jobId, tenant });
    await announceEnd(job.state);
    throw failure;
  } finally {
    timer.cancel();
  }

  /**
   * Starts the delivery of the job's last event to its callbackUrl as a workflow of its own,
   * which outlives this one (ABANDON): the job ends now, the delivery retries for hours.
   */
  async function announceEnd(state: JobState): Promise<void> {
    if (outbox) return outbox.handedOver();
    const url = options.callbackUrl;
    const type = TERMINAL_EVENT_TYPES[state.status];
    const retry = input.webhookRetry;
    if (!notifies || !url || !type || !retry) return;
    const webhookId = `evt_${jobId}_${type.replace('.', '_')}`;
    try {
      await CancellationScope.nonCancellable(() =>
        startChild(webhookDeliveryWorkflow, {
          workflowId: webhookId,
          args: [{ jobId, tenant, url, webhookId, type, timestamp: state.updatedAt, state, retry }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
        }),
      );
    } catch (err) {
      // The job's outcome stands whatever happens to its announcement.
      log.warn('could not start the webhook delivery', { jobId, webhookId, error: String(err) });
    }
  }

  /**
   * Hands the events the callbackUrl wants to the job's webhook workflow, one at a time in
   * sequence order: the first starts it (ABANDON: it outlives the job), the others are
   * signalled to it. The job never waits for a delivery, only for the hand-over of its last
   * event before it ends.
   */
  function webhookOutbox(eventLog: JobEventLog): { handedOver(): Promise<void> } {
    const url = options.callbackUrl;
    const retry = input.webhookRetry;
    const mode = options.callbackEvents ?? 'terminal';
    const waiting: JobEvent[] = [];
    let done = !url || !retry;
    if (url && retry) {
      eventLog.onRecorded = (event) => {
        if (mode === 'all' || isTerminalEvent(event.type)) waiting.push(event);
      };
      const workflowId = jobWebhooksWorkflowId(jobId);
      let started: ChildWorkflowHandle<typeof jobWebhooksWorkflow> | null = null;
      /** The state of the last event the webhook workflow has from this job: the next ones carry their changes from it. */
      let handed: JobState | null = null;
      const handOver = async (events: JobEvent[]): Promise<void> => {
        const event = events[0]!;
        if (!started) {
          try {
            started = await startChild(jobWebhooksWorkflow, {
              workflowId,
              args: [{
                jobId,
                tenant,
                url,
                events: mode,
                retry,
                queued: events,
                expectMore: mode === 'all',
                waitUntil: new Date(Date.parse(input.deadline) + WEBHOOKS_GRACE_MS).toISOString(),
              }],
              parentClosePolicy: ParentClosePolicy.ABANDON,
            });
            handed = events.at(-1)!.state;
            return;
          } catch (err) {
            // Already running (a redelivery asked through the API started it): it takes the event as a signal.
            log.warn('could not start the webhook workflow; signalling it', { jobId, error: String(err) });
          }
        }
        const receiver = started ?? getExternalWorkflowHandle(workflowId);
        if (!batches) return receiver.signal(jobEventSignal, event);
        const squeezed = squeezeEvents(events, handed);
        // Not known to have arrived until the signal is: the next ones go whole.
        handed = null;
        await receiver.signal(jobEventsSignal, squeezed);
        handed = events.at(-1)!.state;
      };
      void CancellationScope.nonCancellable(async () => {
        for (;;) {
          await condition(() => waiting.length > 0);
          // Jobs from batches on hand over every event waiting (up to a bound) at once.
          const events = waiting.slice(0, batches ? EVENTS_PER_HANDOVER : 1);
          try {
            await handOver(events);
          } catch (err) {
            // The job's outcome stands whatever happens to its announcements.
            log.warn('could not hand an event to the webhook workflow', { jobId, sequence: events[0]!.sequence, error: String(err) });
          }
          waiting.splice(0, events.length);
          if (events.some((event) => isTerminalEvent(event.type))) {
            done = true;
            return;
          }
        }
      });
    }
    return { handedOver: () => CancellationScope.nonCancellable(() => condition(() => done)) };
  }

  /** The deadline passed: what was read by then is stored as the result, if it can be. */
  async function timedOut(step: JobStep | null): Promise<JobError> {
    const total = job.state.pages.total;
    let unstored = '';
    // The last pages of a batch may not be reported yet: the store step finds them all.
    if (pagesRead() || inBatches) {
      try {
        const partial = await CancellationScope.nonCancellable(storeRead);
        if (partial.pageCount !== 0) job.keepPartialResult(partial);
      } catch (err) {
        // The job still ends, with the failure to store named in its error.
        const { message } = toJobError(err);
        unstored = `; the ${pagesRead()} pages read could not be stored: ${message}`;
      }
    }
    return {
      code: JobErrorCode.JOB_TIMEOUT,
      message: `the job passed its deadline (${input.deadline}) with ${pagesRead()} of ${total || 'its'} pages read${unstored}`,
      retryable: true,
      failedStep: step ?? 'load',
    };
  }
}

/**
 * Removes the working files of a job that failed or was cancelled (page images and page
 * results; the document stays). Cleaning up never changes how the job ended.
 */
async function discardWorkingFilesOf(job: JobRef): Promise<void> {
  if (!patched(HARDENING_PATCH)) return;
  try {
    await CancellationScope.nonCancellable(() => discardWorkingFiles(job));
  } catch (err) {
    log.warn('could not remove the working files of a finished job', { jobId: job.jobId, error: String(err) });
  }
}

/** Records the job as ERROR; the failure returned, thrown, fails the workflow with the final state as its details. */
function failJob(job: JobTracker, error: JobError): ApplicationFailure {
  const state = job.failed(error);
  return ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: true, details: [state] });
}

function pageSummary({ resultKey: _key, ...summary }: RecognizedPage): PageSummary {
  return summary;
}
