import type { JobSnapshot } from './jobStatus';

/** Links a client follows from a job. */
export function jobLinks(jobId: string) {
  return { self: `/jobs/${jobId}` };
}

/** The JSON body of `GET /jobs/{id}` (and of a repeated submit). */
export function jobBody({ state, live, result }: JobSnapshot) {
  return {
    jobId: state.jobId,
    status: state.status,
    progress: state.progress,
    step: state.step,
    live,
    createdAt: state.createdAt,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    completedAt: state.completedAt,
    document: state.document,
    pages: state.pages,
    result:
      state.status === 'DONE' && state.result
        ? {
            text: result?.text ?? '',
            confidence: state.result.confidence,
            characters: state.result.characters,
            pageCount: state.result.pageCount,
            pages: result?.pages ?? state.result.pages.map((page) => ({ ...page, text: '' })),
          }
        : null,
    error: state.error,
    links: jobLinks(state.jobId),
  };
}
