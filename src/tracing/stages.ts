import { context, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('ocr-jobs-ocr');

/** Milliseconds since the epoch, to the microsecond: a span's start or end. */
const now = () => performance.timeOrigin + performance.now();

/**
 * Times work done one stage after another: each `lap` ends the stage that began at the last
 * one, records how long it took, and makes it a span (`ocr.<stage>`) of the current trace.
 */
export class StageClock {
  readonly timingsMs: Record<string, number> = {};
  private last = now();
  private readonly parent: Context = context.active();

  constructor(private readonly attributes: Attributes = {}) {}

  lap(stage: string, attributes: Attributes = {}): Span {
    const end = now();
    const span = tracer.startSpan(`ocr.${stage}`, { startTime: this.last, attributes: { ...this.attributes, ...attributes } }, this.parent);
    span.end(end);
    this.timingsMs[stage] = Math.round(end - this.last);
    this.last = end;
    return span;
  }

  /** Spans for the parts of a stage timed elsewhere (another thread), in order from its start. */
  static parts(of: Span, startMs: number, parts: ReadonlyArray<readonly [stage: string, ms: number]>): void {
    const parent = trace.setSpan(context.active(), of);
    let start = startMs;
    for (const [stage, ms] of parts) {
      tracer.startSpan(`ocr.${stage}`, { startTime: start }, parent).end(start + ms);
      start += ms;
    }
  }

  /** When the stage now running began. */
  get stageStart(): number {
    return this.last;
  }
}

/** Runs `work` as a span (`ocr.<stage>`) of the current trace; a failure marks the span. */
export function inStage<T>(stage: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(`ocr.${stage}`, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
