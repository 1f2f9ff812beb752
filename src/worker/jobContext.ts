import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityOutboundCallsInterceptor } from '@temporalio/worker';
import { logContextIn } from '../shared/jobs';
import { STEP_OF_ACTIVITY } from '../shared/stepPolicies';

/** What a step activity's input says of the job it works for. */
interface StepInput {
  jobId?: unknown;
  tenant?: unknown;
  page?: unknown;
}

/**
 * Activity interceptors that name the job in what an attempt leaves behind: every log line
 * gets the job, request, tenant, step and page, and the attempt's trace and span (the SDK
 * adds the attempt number), and the attempt's span gets them as attributes, with the error
 * code when it fails. Runs inside the tracing interceptor, whose span is the attempt's.
 */
export function jobContextInterceptor(context: Context): { inbound: ActivityInboundCallsInterceptor; outbound: ActivityOutboundCallsInterceptor } {
  let fields: Record<string, string | number> = {};
  return {
    inbound: {
      async execute(input, next) {
        const given = logContextIn(input.headers);
        const arg = (input.args[0] ?? {}) as StepInput;
        const step = STEP_OF_ACTIVITY[context.info.activityType];
        fields = Object.fromEntries(
          Object.entries({
            jobId: typeof arg.jobId === 'string' ? arg.jobId : given.jobId,
            requestId: given.requestId,
            tenant: typeof arg.tenant === 'string' ? arg.tenant : given.tenant,
            step,
            page: typeof arg.page === 'number' ? arg.page : undefined,
          }).filter((entry): entry is [string, string | number] => entry[1] !== undefined),
        );
        const span = trace.getActiveSpan();
        // Kept for the attempt's lines the SDK writes after its span ended ("Activity completed").
        const spanContext = span?.spanContext();
        if (spanContext && trace.isSpanContextValid(spanContext)) Object.assign(fields, { traceId: spanContext.traceId, spanId: spanContext.spanId });
        span?.setAttributes({
          ...(fields.jobId === undefined ? {} : { 'ocr.job.id': fields.jobId }),
          ...(step === undefined ? {} : { 'ocr.step': step }),
          ...(fields.page === undefined ? {} : { 'ocr.page': fields.page }),
          'ocr.attempt': context.info.attempt,
        });
        try {
          return await next(input);
        } catch (err) {
          if (err instanceof ApplicationFailure && err.type) {
            span?.setAttribute('ocr.error.code', err.type);
            span?.setStatus({ code: SpanStatusCode.ERROR, message: `${err.type}: ${err.message}` });
          }
          throw err;
        }
      },
    },
    outbound: {
      getLogAttributes: (attributes, next) => next({ ...fields, ...attributes }),
    },
  };
}
