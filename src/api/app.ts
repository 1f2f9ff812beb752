import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { Authenticator, callerOf } from '../auth/authenticate';
import type { Config } from '../config';
import type { BlobStore } from '../storage/blobStore';
import { createApiMetrics } from '../metrics/apiMetrics';
import { JobService } from './jobService';
import { JobStatusReader } from './jobStatus';
import { LoadGuard } from './loadGuard';
import { PollAdvice } from './pollAdvice';
import { ApiError, ApiErrorCode, problemHandler } from './problems';
import { consoleRouter } from './routes/console';
import { docsRouter } from './routes/docs';
import { healthRouter } from './routes/health';
import { eventsRouter } from './routes/events';
import { jobsRouter } from './routes/jobs';
import { resultsRouter, type ResultLink } from './routes/results';
import { JobEventHub } from './jobEvents';
import { requestSpans, traceFields } from './requestSpans';
import { SubmitRateLimiter } from './submitRateLimiter';
import { JobWebhooksReader } from './webhooks';

export interface AppDeps {
  config: Config;
  /** The process's one Temporal client. */
  client: Client;
  blobs: BlobStore;
  /** Presigned URLs of the blob store, for RESULT_REDIRECT=presigned; absent where it has none. */
  presign?: ResultLink | null;
  logger: Logger;
  /** Languages the workers have installed; submits asking for others are refused. */
  languages: readonly string[];
  /** Who may call `/jobs`; required when the config turns authentication on, open otherwise. */
  auth?: Authenticator;
}

/** Headers whose values are credentials: never logged. */
const SECRET_HEADERS = ['authorization', 'x-api-key'];

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;
/** Longest request target answered; longer ones get 414 (options belong in the body then). */
export const MAX_URL_LENGTH = 8 * 1024;

/** The HTTP API, ready to be served; never listens itself. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, blobs } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Job and result reads set their own strong ETags.
  app.set('etag', false);

  const metrics = createApiMetrics();
  app.use(requestSpans());
  app.use(metrics.middleware);
  app.use(
    pinoHttp({
      logger,
      // Keep a caller's request id so its logs and ours line up.
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // The request's trace and span on each of its lines, the answer's line included.
      customProps: (_req, res) => traceFields(res),
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
      serializers: {
        req: (req: { headers?: Record<string, unknown> }) => ({ ...req, headers: withoutSecrets(req.headers ?? {}) }),
      },
    }),
  );

  app.use((req, _res, next) => {
    if (req.originalUrl.length <= MAX_URL_LENGTH) return next();
    next(new ApiError(414, ApiErrorCode.URI_TOO_LONG, `the URL has ${req.originalUrl.length} characters; at most ${MAX_URL_LENGTH}`));
  });

  const auth = deps.auth ?? Authenticator.openFor(config);
  const rateLimiter = new SubmitRateLimiter();
  const status = new JobStatusReader(deps);
  const advice = new PollAdvice(deps);
  const service = new JobService({ ...deps, status, metrics, load: new LoadGuard({ ...deps, advice }) });
  // Health, readiness, metrics and the API's description stay open; jobs need a caller.
  app.use(healthRouter(deps.client));
  app.use(metrics.router);
  app.use(docsRouter());
  app.use(consoleRouter());
  app.use('/jobs', auth.middleware(), (_req, res, next) => {
    rateLimiter.describe(callerOf(res), res);
    next();
  });
  const webhooks = new JobWebhooksReader(deps);
  const hub = new JobEventHub({ ...deps, status });
  // The server ends open event streams when it stops (see server.ts).
  app.locals.eventHub = hub;
  app.use(jobsRouter({ config, service, status, advice, rateLimiter, blobs, webhooks }));
  app.use(eventsRouter({ config, status, hub, webhooks }));
  app.use(resultsRouter({ status, blobs, advice, link: config.results.redirect === 'presigned' ? (deps.presign ?? null) : null }));

  app.use((req, _res, next) => {
    next(new ApiError(404, ApiErrorCode.NOT_FOUND, `nothing at ${req.method} ${req.path}`));
  });
  app.use(problemHandler(logger));
  return app;
}

function withoutSecrets(headers: Record<string, unknown>): Record<string, unknown> {
  const shown = { ...headers };
  for (const name of SECRET_HEADERS) if (name in shown) shown[name] = '[redacted]';
  return shown;
}
