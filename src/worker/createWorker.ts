import { existsSync } from 'node:fs';
import path from 'node:path';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, type OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Worker, type InjectedSink, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';
import type { OcrActivities } from '../activities';
import { createWorkerMetrics, type WorkerMetrics } from '../metrics/workerMetrics';
import { PROJECT_ROOT } from '../paths';
import type { Tracing } from '../tracing/tracing';
import { jobContextInterceptor } from './jobContext';

/** Where `npm run build` writes the prebuilt workflow bundle. */
export const WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist/workflow-bundle.js');

/**
 * Bundled with the workflows (changing them changes what old jobs replay): each workflow is a
 * span of its job's trace, and its log lines and activities carry the job's context.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
  require.resolve('../workflows/logContext'),
];

export interface OcrWorkerOptions {
  connection: NativeConnection;
  config: Config;
  activities: OcrActivities;
  /** A bundle made by `bundleWorkflowCode`; by default the prebuilt one, else bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Where jobs, pages and steps are counted; a registry of its own when not given. */
  metrics?: WorkerMetrics;
  /** Where the spans of workflows go; by default nowhere (activities use the process's tracer). */
  tracing?: Pick<Tracing, 'spanProcessor' | 'resource'>;
}

/** The Temporal worker that runs OCR jobs: the workflows and every step activity. */
export function createOcrWorker({
  connection,
  config,
  activities,
  workflowBundle,
  metrics = createWorkerMetrics(),
  tracing = { spanProcessor: new NoopSpanProcessor(), resource: Resource.empty() },
}: OcrWorkerOptions): Promise<Worker> {
  const workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = workflowBundle
    ? { workflowBundle }
    : existsSync(WORKFLOW_BUNDLE_PATH)
      ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
      : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities,
    ...workflows,
    sinks: { ...metrics.sinks, exporter: workflowSpanExporter(tracing) },
    interceptors: {
      // Outermost first: the attempt's span, then what names the job inside it, then the timing.
      activity: [
        (context) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(context) }),
        jobContextInterceptor,
        metrics.stepInterceptor,
      ],
      // Used only when the workflows are bundled at start; the prebuilt bundle has them built in.
      workflowModules: WORKFLOW_INTERCEPTOR_MODULES,
    },
    // Recognition is bounded by the OCR pool; a couple more slots let the short steps
    // (load, preprocess, store) run while every engine is busy.
    maxConcurrentActivityTaskExecutions: config.ocr.poolSize + 2,
    shutdownGraceTime: config.shutdownGraceMs,
  });
}

/** What of a workflow's info its spans carry: the scalars that name it, not its memo or search attributes. */
const WORKFLOW_SPAN_INFO = ['workflowId', 'runId', 'workflowType', 'taskQueue', 'namespace', 'attempt'] as const;

/**
 * The sink the workflows' spans leave the sandbox by. The library's own puts the whole
 * workflow info on every span, the memo (the job's state) included: a 500-page job's spans
 * would each carry it.
 */
function workflowSpanExporter(tracing: Pick<Tracing, 'spanProcessor' | 'resource'>): InjectedSink<OpenTelemetryWorkflowExporter> {
  const exporter = makeWorkflowExporter(tracing.spanProcessor, tracing.resource);
  return {
    export: {
      ...exporter.export,
      // The library only copies the info's entries onto the spans: a part of it is enough.
      fn: (info, spans) => exporter.export.fn(Object.fromEntries(WORKFLOW_SPAN_INFO.map((key) => [key, info[key]])) as unknown as typeof info, spans),
    },
  };
}
