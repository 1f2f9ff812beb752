// The API's Prometheus metrics: every request by route, submits, and Node's own.
import type { Request, RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  jobsSubmitted: Counter<'source'>;
  /** Times every request; the route is the matched pattern (`/jobs/:jobId`), never the path. */
  middleware: RequestHandler;
  /** `GET /metrics`. */
  router: Router;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const jobsSubmitted = new Counter({
    name: 'ocr_jobs_submitted_total',
    help: 'Jobs started by a submit, by where the document came from (upload or url).',
    labelNames: ['source'],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      end({ route: routeOf(req), method: req.method, status: String(res.statusCode) });
    });
    next();
  };
  const router = createRouter();
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return { registry, jobsSubmitted, middleware, router };
}

/**
 * The route pattern a request matched (`/jobs/:jobId`), never its path; unmatched paths (404s,
 * probes) share one value, so labels and span names stay bounded.
 */
export function routeOf(req: Request): string {
  return req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : 'unmatched';
}
