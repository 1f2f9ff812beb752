import type { Config } from '../config';
import type { JobEventType, StepRetry } from '../shared/events';
import { isTerminalStatus, type JobState } from '../shared/jobs';
import type { NotificationsSummary } from '../shared/webhooks';
import type { JobSnapshot } from './jobStatus';
import { NOTHING_LIVE } from './liveSteps';
import type { JobBody, JobSummaryBody } from './schemas';

/** Links a client follows from a job. */
export function jobLinks(jobId: string, config: Config): JobBody['links'] {
  const { uiUrl, namespace } = config.temporal;
  return {
    self: `/jobs/${jobId}`,
    result: `/jobs/${jobId}/result`,
    cancel: `/jobs/${jobId}/cancel`,
    events: `/jobs/${jobId}/events`,
    temporalUi: `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(jobId)}`,
  };
}

/** The JSON body of a job, as `GET /jobs/{id}` shows it. */
export function jobBody({ state, traceId, live, result, steps, notifications }: JobSnapshot, config: Config): JobBody {
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
    ...(traceId === undefined ? {} : { traceId }),
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
              source: page.source ?? 'ocr',
            })),
          }
        : null,
    error: state.error,
    pageErrors: state.pageErrors,
    timings: state.timings,
    notifications: state.callback ? (notifications ?? nothingSent(state.callback)) : null,
    links: jobLinks(state.jobId, config),
  };
}

/** The notifications of a job whose webhooks have not started (nothing was due yet). */
function nothingSent(callback: NonNullable<JobState['callback']>): NotificationsSummary {
  return { url: callback.url, events: callback.events, delivered: 0, pending: 0, failed: 0, lastAttemptAt: null, lastError: null };
}

/** A job event as both channels carry it: a webhook's body, an event stream's `data:`. */
export interface EventBody {
  type: JobEventType | string;
  timestamp: string;
  /** Absent only in the end of a job announced before jobs numbered their events. */
  sequence?: number;
  /** The job as `GET /jobs/{id}` shows it then, without result text; `page` on `job.page.done`. */
  data: Omit<JobBody, 'result' | 'notifications'> & { result: unknown; page?: number };
}

export interface EventFacts {
  type: JobEventType | string;
  timestamp: string;
  sequence?: number | undefined;
  state: JobState;
  page?: number | undefined;
  retry?: StepRetry | undefined;
}

/** An event's body: the job as it was then, with links where the result text would be. */
export function eventBody(event: EventFacts, config: Config): EventBody {
  const { notifications: _notifications, result, ...job } = jobBody(
    { state: event.state, tenant: undefined, live: true, result: null, steps: { ...NOTHING_LIVE, retry: event.retry ?? null } },
    config,
  );
  const data: EventBody['data'] = {
    ...job,
    result: result && {
      confidence: result.confidence,
      characters: result.characters,
      pageCount: result.pageCount,
      engine: result.engine,
      pages: result.pages.map(({ text: _text, ...page }) => page),
    },
    ...(event.page === undefined ? {} : { page: event.page }),
  };
  return { type: event.type, timestamp: event.timestamp, ...(event.sequence === undefined ? {} : { sequence: event.sequence }), data };
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
