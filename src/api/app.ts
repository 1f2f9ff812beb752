import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { BlobStore } from '../storage/blobStore';
import { JobService } from './jobService';
import { JobStatusReader } from './jobStatus';
import { ApiError, ApiErrorCode, problemHandler } from './problems';
import { healthRouter } from './routes/health';
import { jobsRouter } from './routes/jobs';

export interface AppDeps {
  config: Config;
  /** The process's one Temporal client. */
  client: Client;
  blobs: BlobStore;
  logger: Logger;
}

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** The HTTP API, ready to be served; never listens itself. */
export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');

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
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  const service = new JobService(deps);
  const status = new JobStatusReader(deps);
  app.use(healthRouter(deps.client));
  app.use(jobsRouter({ config, service, status }));

  app.use((req, _res, next) => {
    next(new ApiError(404, ApiErrorCode.NOT_FOUND, `nothing at ${req.method} ${req.path}`));
  });
  app.use(problemHandler(logger));
  return app;
}
