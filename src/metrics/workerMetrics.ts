// The worker's Prometheus metrics: jobs and pages (from the workflow, through a sink), steps
// (from an activity interceptor), the OCR engines, Node's own, and the Temporal SDK's.
import http from 'node:http';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, InjectedSinks, Next } from '@temporalio/worker';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobMetricsSinks } from '../shared/metricsSinks';
import { STEP_OF_ACTIVITY, stepRetried } from '../shared/stepPolicies';

const JOB_SECONDS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const STEP_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

export interface WorkerMetrics {
  registry: Registry;
  sinks: InjectedSinks<JobMetricsSinks>;
  /** Measures every step attempt: its duration, and its failures that Temporal will retry. */
  stepInterceptor(context: Context): { inbound: ActivityInboundCallsInterceptor };
}

export function createWorkerMetrics(engines?: { busyRatio: number }): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const finished = new Counter({ name: 'ocr_jobs_finished_total', help: 'Jobs that ended, by status and error code.', labelNames: ['status', 'code'], registers: [registry] });
  const duration = new Histogram({ name: 'ocr_job_duration_seconds', help: 'Time from submit to end.', labelNames: ['status'], buckets: JOB_SECONDS, registers: [registry] });
  const queueWait = new Histogram({ name: 'ocr_job_queue_wait_seconds', help: 'Time from submit to the first step.', buckets: JOB_SECONDS, registers: [registry] });
  const pages = new Counter({ name: 'ocr_pages_total', help: 'Pages read (done) or failed for good (failed).', labelNames: ['outcome'], registers: [registry] });
  const steps = new Histogram({ name: 'ocr_step_duration_seconds', help: 'Duration of each step attempt, by step and outcome.', labelNames: ['step', 'outcome'], buckets: STEP_SECONDS, registers: [registry] });
  const retries = new Counter({ name: 'ocr_step_retries_total', help: 'Step attempts that failed and will be retried, by step and error code.', labelNames: ['step', 'code'], registers: [registry] });
  new Gauge({
    name: 'ocr_engine_busy_ratio',
    help: "Share of this worker's OCR engines recognising a page.",
    registers: [registry],
    collect() {
      this.set(engines?.busyRatio ?? 0);
    },
  });

  const sinks: InjectedSinks<JobMetricsSinks> = {
    jobMetrics: {
      jobFinished: {
        fn: (_info, { status, code, durationMs, queueWaitMs }) => {
          finished.inc({ status, code: code ?? '' });
          duration.observe({ status }, durationMs / 1000);
          if (queueWaitMs !== null) queueWait.observe(queueWaitMs / 1000);
        },
        callDuringReplay: false,
      },
      pageFinished: { fn: (_info, outcome) => pages.inc({ outcome }), callDuringReplay: false },
    },
  };

  function stepInterceptor(context: Context): { inbound: ActivityInboundCallsInterceptor } {
    return {
      inbound: {
        async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
          const step = STEP_OF_ACTIVITY[context.info.activityType];
          if (!step) return next(input);
          const end = steps.startTimer({ step });
          try {
            const result = await next(input);
            end({ outcome: 'done' });
            return result;
          } catch (err) {
            end({ outcome: 'failed' });
            const failure = err instanceof ApplicationFailure ? err : { type: 'INTERNAL_ERROR', nonRetryable: false };
            if (!context.cancellationSignal.aborted && stepRetried(step, context.info.attempt, failure)) {
              retries.inc({ step, code: failure.type ?? 'INTERNAL_ERROR' });
            }
            throw err;
          }
        },
      },
    };
  }

  return { registry, sinks, stepInterceptor };
}

/**
 * Serves `GET /metrics` on `port` (all addresses: Prometheus scrapes workers from elsewhere),
 * with this registry's metrics followed by those of `extra` (the Temporal SDK's endpoint).
 */
export async function serveMetrics(registry: Registry, port: number, logger: Logger, extra?: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      res.end();
      return;
    }
    void (async () => {
      const ours = await registry.metrics();
      const sdk = extra ? await fetch(extra).then((r) => r.text(), () => '') : '';
      res.setHeader('Content-Type', registry.contentType);
      res.end(`${ours}\n${sdk}`);
    })().catch((err: unknown) => {
      logger.warn({ err }, 'could not render the metrics');
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return server;
}
