// The steps of one page, and how a failed step becomes a job or page error: shared by a
// job's workflow and the batches of its pages (child workflows).
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  isCancellation,
  proxyActivities,
} from '@temporalio/workflow';
import type { OcrActivities } from '../activities';
import { JobErrorCode } from '../shared/errorCodes';
import type { JobError, JobStep, PageError } from '../shared/jobs';
import type { OutputFormat, UploadSource } from '../shared/schemas';
import type { JobRunRef, RecognizedPage } from '../shared/steps';
import { STEP_POLICIES } from '../shared/stepPolicies';

const plain = {
  preprocessPage: proxyActivities<OcrActivities>(STEP_POLICIES.preprocess).preprocessPage,
  recognizePage: proxyActivities<OcrActivities>(STEP_POLICIES.recognize).recognizePage,
};
// The same page steps, waited for when cancelled: they stop at their next heartbeat.
const SETTLE = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };
const SETTLED_POLICIES = { preprocess: { ...STEP_POLICIES.preprocess, ...SETTLE }, recognize: { ...STEP_POLICIES.recognize, ...SETTLE } };
const settled = {
  preprocessPage: proxyActivities<OcrActivities>(SETTLED_POLICIES.preprocess).preprocessPage,
  recognizePage: proxyActivities<OcrActivities>(SETTLED_POLICIES.recognize).recognizePage,
};

/** A step's failure, tagged with the step so the job error can name it. */
export class StepFailure extends Error {
  constructor(
    readonly step: JobStep,
    override readonly cause: unknown,
  ) {
    super(`step ${step} failed`);
  }
}

/** Runs one step of a job: its time and state are the caller's to keep. */
export type StepRunner = <T>(name: JobStep, run: () => Promise<T>) => Promise<T>;

/** Runs a step, tagging its failure with the step (cancellations pass through); `ended` gets the time it took. */
export async function timedStep<T>(name: JobStep, run: () => Promise<T>, ended: (ms: number) => void): Promise<T> {
  const started = Date.now();
  try {
    return await run();
  } catch (err) {
    throw isCancellation(err) ? err : new StepFailure(name, err);
  } finally {
    ended(Date.now() - started);
  }
}

export interface PageToRead extends JobRunRef {
  source: UploadSource;
  mediaType: string;
  page: number;
  pageCount: number;
  languages: string[];
  outputs: OutputFormat[];
}

/**
 * Jobs (and page batches) started before this patch read every page in two steps; from it on,
 * a PDF page read from its text layer is finished by `preprocess`, which answers its result,
 * and has no `recognize` step: born-digital documents go through at half the steps.
 */
export const ONE_STEP_TEXT_LAYERS_PATCH = 'text-layer-pages-in-one-step';

/**
 * Preprocesses and recognises one page. `settle`: a cancelled step is waited for until it
 * has ended (jobs from before that stop waiting at once); `described`: each step says which
 * page of how many it is (jobs from before that do not); `oneStepLayers`: a text-layer page
 * is finished by `preprocess` (see ONE_STEP_TEXT_LAYERS_PATCH).
 */
export async function readPage(
  { jobId, tenant, runId, source, mediaType, page, pageCount, languages, outputs }: PageToRead,
  { settle, described, oneStepLayers }: { settle: boolean; described: boolean; oneStepLayers: boolean },
  step: StepRunner,
  preprocessed: () => void,
): Promise<RecognizedPage> {
  const steps = settle ? settled : plain;
  const of = `page ${page}/${pageCount}`;
  const run = runId === undefined ? {} : { runId };
  const preprocessInput = { jobId, tenant, ...run, source, mediaType, page, ...(oneStepLayers ? { finish: { languages, outputs } } : {}) };
  const image = await step('preprocess', () =>
    described
      ? steps.preprocessPage.executeWithOptions({ ...SETTLED_POLICIES.preprocess, summary: `preprocess ${of}` }, [preprocessInput])
      : steps.preprocessPage(preprocessInput),
  );
  preprocessed();
  if (image.recognized) return image.recognized;
  const recognizeInput = { jobId, tenant, ...run, page, image, languages, outputs };
  return step('recognize', () =>
    described
      ? steps.recognizePage.executeWithOptions({ ...SETTLED_POLICIES.recognize, summary: `recognize ${of}` }, [recognizeInput])
      : steps.recognizePage(recognizeInput),
  );
}

/** Every page failed: the job fails with the first page's error. */
export class AllPagesFailed extends Error {
  constructor(
    readonly pageErrors: PageError[],
    /** How many pages failed, when `pageErrors` holds only the first ones. */
    readonly failed = pageErrors.length,
  ) {
    super('every page failed');
  }
}

export function toJobError(err: unknown): JobError {
  if (err instanceof AllPagesFailed) {
    const first = err.pageErrors[0]!;
    const pages = err.failed;
    const message = pages > 1 ? `all ${pages} pages failed; page ${first.page}: ${first.message}` : first.message;
    return { code: first.code, message, retryable: err.pageErrors.some((e) => e.retryable), failedStep: first.failedStep };
  }
  if (!(err instanceof StepFailure)) {
    return { code: JobErrorCode.INTERNAL_ERROR, message: String(err), retryable: true, failedStep: 'load' };
  }
  const failedStep = err.step;
  const cause = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
  if (cause instanceof ApplicationFailure) {
    return {
      code: cause.type ?? JobErrorCode.INTERNAL_ERROR,
      message: cause.message,
      retryable: !cause.nonRetryable,
      failedStep,
    };
  }
  if (cause instanceof TimeoutFailure) {
    return {
      code: JobErrorCode.STEP_TIMEOUT,
      message: `step ${failedStep} timed out (${cause.timeoutType}) on its last attempt`,
      retryable: true,
      failedStep,
    };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { code: JobErrorCode.INTERNAL_ERROR, message, retryable: true, failedStep };
}

/** Runs `work` over `items`, at most `limit` at once. */
export async function forEachWithConcurrency<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) await work(items[next++]!);
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
