import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { withDeadline } from '../../temporal/connection';
import { allowMethods } from '../methods';
import { ApiError, ApiErrorCode } from '../problems';

const READY_TIMEOUT_MS = 2000;

/** `/healthz`: the process is alive. `/readyz`: it can reach Temporal, so it can take work. */
export function healthRouter(client: Client): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await withDeadline(client, READY_TIMEOUT_MS, () => client.workflowService.getSystemInfo({}));
    } catch {
      throw new ApiError(503, ApiErrorCode.TEMPORAL_UNAVAILABLE, 'Temporal cannot be reached', {
        headers: { 'Retry-After': '5' },
      });
    }
    res.json({ status: 'ready' });
  });
  allowMethods(router, '/healthz', ['GET']);
  allowMethods(router, '/readyz', ['GET']);
  return router;
}
