import { Router, type Request } from 'express';
import { callerOf } from '../../auth/authenticate';
import type { Config } from '../../config';
import { isTerminalEvent, type JobEvent } from '../../shared/events';
import type { JobEventHub } from '../jobEvents';
import type { JobStatusReader } from '../jobStatus';
import { allowMethods } from '../methods';
import { eventBody } from '../presenters';
import { ApiError } from '../problems';
import type { JobWebhooksReader } from '../webhooks';
import { jobIdParam } from './jobs';

export interface EventsRouterDeps {
  config: Config;
  status: JobStatusReader;
  hub: JobEventHub;
  webhooks: JobWebhooksReader;
}

/** The job's events as Server-Sent Events, and its webhook deliveries. */
export function eventsRouter({ config, status, hub, webhooks }: EventsRouterDeps): Router {
  const router = Router();

  router.get('/jobs/:jobId/events', async (req, res) => {
    const jobId = jobIdParam(req);
    const after = lastEventId(req);
    // Another tenant's job, a deleted or unknown one: answered as GET /jobs/{id} would.
    await status.read(jobId, callerOf(res).tenant);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    // Proxies that buffer (nginx) would hold events back.
    res.setHeader('X-Accel-Buffering', 'no');
    // HEAD asks what a stream would be, not for one: answered at once.
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let open = true;
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), config.events.keepAliveMs);
    const finish = () => {
      clearInterval(keepAlive);
      if (!open) return;
      open = false;
      res.end();
    };
    let stop: () => void;
    try {
      stop = await hub.follow(jobId, after, {
        event: (event: JobEvent) => {
          // A read after the last event must not answer from a cached read made before it.
          if (isTerminalEvent(event.type)) status.forget(jobId, callerOf(res).tenant);
          if (open) res.write(frame(event, config));
        },
        end: finish,
      });
    } catch (err) {
      clearInterval(keepAlive);
      throw err;
    }
    if (!open) return;
    res.flushHeaders();
    res.on('close', () => {
      finish();
      stop();
    });
  });

  router.get('/jobs/:jobId/deliveries', async (req, res) => {
    const jobId = jobIdParam(req);
    const { state } = await status.read(jobId, callerOf(res).tenant);
    const known = state.callback ? await webhooks.deliveries(jobId) : null;
    res.setHeader('Cache-Control', 'no-cache');
    res.json({ notifications: known?.notifications ?? null, items: known?.deliveries ?? [] });
  });

  router.post('/jobs/:jobId/deliveries/:deliveryId/redeliver', async (req, res) => {
    const jobId = jobIdParam(req);
    const snapshot = await status.read(jobId, callerOf(res).tenant);
    const deliveryId = String(req.params.deliveryId);
    await webhooks.redeliver(snapshot, deliveryId);
    res.status(202).json({ deliveryId, status: 'pending', links: { deliveries: `/jobs/${jobId}/deliveries` } });
  });

  allowMethods(router, '/jobs/:jobId/events', ['GET']);
  allowMethods(router, '/jobs/:jobId/deliveries', ['GET']);
  allowMethods(router, '/jobs/:jobId/deliveries/:deliveryId/redeliver', ['POST']);
  return router;
}

/** One event as a Server-Sent Event: its sequence as `id`, its type as `event`, its body as JSON `data`. */
function frame(event: JobEvent, config: Config): string {
  return `id: ${event.sequence}\nevent: ${event.type}\ndata: ${JSON.stringify(eventBody(event, config))}\n\n`;
}

/** Where a reconnecting client resumes: `Last-Event-ID`, or `?lastEventId=` (browsers cannot set the header on a first connect). */
function lastEventId(req: Request): number | null {
  const given = req.get('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
  if (given === undefined || given === '') return null;
  if (!/^\d{1,9}$/.test(given.trim())) {
    throw ApiError.validation([{ field: 'header.last-event-id', message: 'must be the id (a whole number) of an event of this job' }]);
  }
  return Number(given.trim());
}
