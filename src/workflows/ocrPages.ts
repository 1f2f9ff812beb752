import {
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { OcrActivities } from '../activities';
import type { PageError } from '../shared/jobs';
import { emptyReport, PAGES_REPORT_EVERY_MS, pagesReportSignal, type OcrPagesInput, type PagesReport } from '../shared/pageBatches';
import { CLEANUP_POLICY } from '../shared/stepPolicies';
import { forEachWithConcurrency, ONE_STEP_TEXT_LAYERS_PATCH, readPage, timedStep, toJobError, type StepRunner } from './pageSteps';

const { keepPageErrors } = proxyActivities<OcrActivities>(CLEANUP_POLICY);

/**
 * One batch of a large job's pages, started by the job's workflow: reads its pages as the job
 * reads a small document's (one that fails after its retries does not sink the others), and
 * tells the job what it read at most every PAGES_REPORT_EVERY_MS, so neither history grows
 * with every page. Returns what it had not told yet. Its page errors are kept in the blob
 * store for the job's result. Cancelled with its job (cancel or deadline), it waits for its
 * running steps to end; what they read stays stored for a partial result.
 */
export async function ocrPagesWorkflow(input: OcrPagesInput): Promise<PagesReport> {
  const { jobId, tenant, runId, batch, pages } = input;
  const parent = workflowInfo().parent;
  const job = parent ? getExternalWorkflowHandle(parent.workflowId, parent.runId) : null;
  let unsent = emptyReport(batch);
  let sentAt = Date.now();
  const pageErrors: PageError[] = [];
  const oneStepLayers = patched(ONE_STEP_TEXT_LAYERS_PATCH);

  const step: StepRunner = (name, run) =>
    timedStep(name, run, (ms) => {
      if (name === 'preprocess' || name === 'recognize') unsent.timings[name] += ms;
    });

  /** Tells the job what was read since the last report, once the time has come. */
  async function report(): Promise<void> {
    if (!job || Date.now() - sentAt < PAGES_REPORT_EVERY_MS) return;
    const sending = unsent;
    unsent = emptyReport(batch);
    sentAt = Date.now();
    try {
      await CancellationScope.nonCancellable(() => job.signal(pagesReportSignal, sending));
    } catch (err) {
      // The job is gone (it ends its batches with it); nothing is left to tell.
      log.warn('could not report pages to the job', { jobId, batch, error: String(err) });
    }
  }

  log.info('page batch started', { jobId, batch, of: input.batches, pages: pages.length });
  try {
    await forEachWithConcurrency(pages, input.pageConcurrency, async (page) => {
      try {
        const read = await readPage(
          { jobId, tenant, runId, source: input.source, mediaType: input.mediaType, page, pageCount: input.pageCount, languages: input.languages, outputs: input.outputs },
          { settle: true, described: true, oneStepLayers },
          step,
          () => undefined,
        );
        unsent.read.push({ page, recognizeMs: read.recognizeMs });
      } catch (err) {
        // A page that failed while the batch was being stopped does not count as a failed page.
        if (isCancellation(err) || CancellationScope.current().consideredCancelled) throw err;
        const { code, message, retryable, failedStep } = toJobError(err);
        log.warn('page failed', { jobId, page, code, failedStep, error: message });
        const error = { page, code, message, retryable, failedStep };
        unsent.failed.push(error);
        pageErrors.push(error);
      }
      await report();
    });
  } finally {
    if (pageErrors.length) {
      pageErrors.sort((a, b) => a.page - b.page);
      try {
        await CancellationScope.nonCancellable(() => keepPageErrors({ jobId, tenant, runId, batch, pageErrors }));
      } catch (err) {
        // The job still has the first of them in its state, and the count.
        log.warn('could not keep the page errors of a batch', { jobId, batch, error: String(err) });
      }
    }
  }
  return unsent;
}
