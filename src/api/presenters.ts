import type { Config } from '../config';
import { isTerminalStatus, type JobState } from '../shared/jobs';
import type { JobSnapshot } from './jobStatus';
import type { JobBody, JobSummaryBody } from './schemas';

/** Links a client follows from a job. */
export function jobLinks(jobId: string, config: Config): JobBody['links'] {
  const { uiUrl, namespace } = config.temporal;
  return {
    self: `/jobs/${jobId}`,
    result: `/jobs/${jobId}/result`,
    cancel: `/jobs/${jobId}/cancel`,
    temporalUi: `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(jobId)}`,
  };
}

/** The JSON body of a job, as `GET /jobs/{id}` shows it. */
export function jobBody({ state, live, result, steps }: JobSnapshot, config: Config): JobBody {
  const running = !isTerminalStatus(state.status);
  const waitingForRetry = running && steps.retry !== null;
  return {
    jobId: state.jobId,
    status: waitingForRetry ? 'RETRYING' : state.status,
    progress: state.progress,
    step: state.step,
    live,
    createdAt: state.createdAt,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    completedAt: state.completedAt,
    document: state.document,
    pages: state.pages,
    metadata: state.metadata,
    outputs: state.outputs,
    deadline: state.deadline,
    retry: waitingForRetry ? steps.retry : null,
    lastHeartbeatAt: running ? steps.lastHeartbeatAt : null,
    stalled: running && steps.stalled,
    result:
      state.result
        ? {
            text: result?.text ?? '',
            confidence: state.result.confidence,
            characters: state.result.characters,
            pageCount: state.result.pageCount,
            engine: state.result.engine,
            // Results stored before pages said what was read were all of the prepared page.
            pages: (result?.pages ?? state.result.pages.map((page) => ({ ...page, text: '' }))).map((page) => ({
              ...page,
              reading: page.reading ?? 'prepared',
            })),
          }
        : null,
    error: state.error,
    pageErrors: state.pageErrors,
    timings: state.timings,
    links: jobLinks(state.jobId, config),
  };
}

/** One job of a list. */
export function jobSummary(state: JobState, config: Config): JobSummaryBody {
  return {
    jobId: state.jobId,
    status: state.status,
    progress: state.progress,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    completedAt: state.completedAt,
    metadata: state.metadata,
    links: jobLinks(state.jobId, config),
  };
}
