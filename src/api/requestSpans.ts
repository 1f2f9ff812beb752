import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { RequestHandler, Response } from 'express';
import { routeOf } from '../metrics/apiMetrics';

const tracer = trace.getTracer('ocr-jobs-api');

/**
 * One server span per request (OpenTelemetry's HTTP conventions), continuing the caller's
 * trace when it sends a W3C `traceparent`. Every answer carries the span's own `traceparent`,
 * so a client can find the trace of what it asked for.
 */
export function requestSpans(): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'url.path': req.path,
          'url.scheme': req.protocol,
          ...(req.get('user-agent') ? { 'user_agent.original': req.get('user-agent') } : {}),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    res.locals.traceContext = active;
    const carrier: Record<string, string> = {};
    propagation.inject(active, carrier);
    if (carrier.traceparent) res.setHeader('traceparent', carrier.traceparent);
    res.once('close', () => {
      const route = routeOf(req);
      span.updateName(route === 'unmatched' ? req.method : `${req.method} ${route}`);
      if (route !== 'unmatched') span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (typeof res.locals.errorCode === 'string') span.setAttribute('error.type', res.locals.errorCode);
      // The X-Request-Id the request was logged under: a trace can be found from a log line.
      if (req.id !== undefined) span.setAttribute('ocr.request.id', String(req.id));
      span.end();
    });
    context.with(active, next);
  };
}

/**
 * The request's trace context. Body parsers call back outside it, so work that must be part
 * of the request's trace (starting a job) runs inside this explicitly.
 */
export function requestContext(res: Response): Context {
  return (res.locals.traceContext as Context | undefined) ?? context.active();
}

/** The request's trace and span ids, for its log lines. */
export function traceFields(res: Response): { traceId?: string; spanId?: string } {
  const spanContext = trace.getSpanContext(requestContext(res));
  return spanContext && trace.isSpanContextValid(spanContext) ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : {};
}
