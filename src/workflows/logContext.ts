// Workflow interceptors (bundled with the workflows): what every log line of a job says about
// it, in the workflow and in each of its activities and child workflows.
import { context as otelContext, trace } from '@opentelemetry/api';
import type { Headers } from '@temporalio/common';
import { workflowInfo, type WorkflowInterceptors } from '@temporalio/workflow';
import { logContextIn, REQUEST_ID_MEMO_KEY, TENANT_MEMO_KEY, withLogContext, type JobLogContext } from '../shared/jobs';

/** The context a workflow was started with: from its memo (a job) or its parent's header (webhooks). */
function contextOf(headers: Headers, args: unknown[]): JobLogContext {
  const given = logContextIn(headers);
  const memo = workflowInfo().memo ?? {};
  const first = args[0] as { jobId?: unknown } | undefined;
  const pick = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const context: JobLogContext = {
    jobId: pick(first?.jobId) ?? given.jobId,
    requestId: pick(memo[REQUEST_ID_MEMO_KEY]) ?? given.requestId,
    tenant: pick(memo[TENANT_MEMO_KEY]) ?? given.tenant,
  };
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
}

export const interceptors = (): WorkflowInterceptors => {
  let context: JobLogContext = {};
  let traced: { traceId: string; spanId: string } | Record<string, never> = {};
  return {
    inbound: [
      {
        execute(input, next) {
          context = contextOf(input.headers, input.args);
          // The workflow's span (the tracing interceptor runs outside this one), kept for the
          // lines the SDK writes once it ended ("Workflow completed").
          const span = trace.getSpanContext(otelContext.active());
          if (span && trace.isSpanContextValid(span)) traced = { traceId: span.traceId, spanId: span.spanId };
          return next(input);
        },
      },
    ],
    outbound: [
      {
        getLogAttributes: (attributes, next) => next({ ...context, ...traced, ...attributes }),
        scheduleActivity: (input, next) => next({ ...input, headers: withLogContext(input.headers, context) }),
        startChildWorkflowExecution: (input, next) => next({ ...input, headers: withLogContext(input.headers, context) }),
      },
    ],
  };
};
