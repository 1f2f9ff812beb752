// The live event stream of jobs (GET /jobs/{id}/events): one watcher of Temporal per job,
// however many clients follow it.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { isTerminalEvent, jobEventsQuery, lastEventOf, recordedLastSequence, type JobEvent } from '../shared/events';
import { JOB_STATE_MEMO_KEY, isTerminalStatus, type JobState } from '../shared/jobs';
import { withDeadline } from '../temporal/connection';
import type { JobStatusReader } from './jobStatus';
import { isTemporalUnavailable } from './temporalErrors';

/** Events asked for in one query. */
const QUERY_PAGE = 200;
/** Wait before trying Temporal again after it failed to answer. */
const RETRY_DELAY_MS = 1000;

const EventType = temporal.api.enums.v1.EventType;
/** History events after which the job may have recorded events: a workflow task ran, or the workflow closed. */
const CHANGES = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

/** Hears a job's events, each once and in sequence order, then the end of the stream. */
export interface EventListener {
  event(event: JobEvent): void;
  /** No more events: the job's last one was sent, or the service is stopping. */
  end(): void;
}

export interface JobEventHubDeps {
  client: Client;
  config: Config;
  logger: Logger;
  status: JobStatusReader;
}

/**
 * Serves job events to stream subscribers. A running job's subscribers share one watcher,
 * which long-polls the workflow's history (a call that returns only when the history grows)
 * and, when a workflow task completed, asks the workflow for its new events with one query.
 * Temporal is thus called per job event, never per subscriber or per second.
 */
export class JobEventHub {
  private readonly watchers = new Map<string, JobWatcher>();
  private closed = false;

  constructor(private readonly deps: JobEventHubDeps) {}

  /**
   * Follows the job's events after sequence `after` (null: a new subscriber). A finished job
   * answers with its last event alone (or, after `after`, the events the client missed).
   * Returns the function that stops following.
   */
  async follow(jobId: string, after: number | null, listener: EventListener): Promise<() => void> {
    const { client, config } = this.deps;
    const description = await withDeadline(client, config.temporal.rpcTimeoutMs, () => client.workflow.getHandle(jobId).describe());
    if (description.status.name !== 'RUNNING' || this.closed) {
      await this.replayFinished(jobId, description.memo ?? {}, after, listener);
      return () => undefined;
    }
    // An id past the job's last event (a client's mistake) resumes from the last event recorded.
    const from = Math.min(after ?? 0, recordedLastSequence(description.memo));
    let watcher = this.watchers.get(jobId);
    if (!watcher) {
      watcher = new JobWatcher(jobId, from, Number(description.historyLength), this.deps, () => this.watchers.delete(jobId));
      this.watchers.set(jobId, watcher);
    }
    return watcher.add(from, listener);
  }

  /** Ends every stream (the service is stopping). */
  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.values()) watcher.stop();
  }

  /** Subscribers and watchers now (for the benchmark and tests). */
  get stats(): { watchers: number; subscribers: number } {
    let subscribers = 0;
    for (const watcher of this.watchers.values()) subscribers += watcher.subscribers;
    return { watchers: this.watchers.size, subscribers };
  }

  private async replayFinished(jobId: string, memo: Record<string, unknown>, after: number | null, listener: EventListener): Promise<void> {
    const last = await terminalEvent(this.deps, jobId, memo);
    if (after !== null && after < last.sequence - 1) {
      // The events the client missed, from the workflow's own record when a worker answers.
      const missed = await fetchEvents(this.deps, jobId, after, last.sequence).catch(() => null);
      for (const event of missed ?? []) if (event.sequence < last.sequence) listener.event(event);
    }
    if (after === null || after < last.sequence) listener.event(last);
    listener.end();
  }
}

/** One running job's events, followed for all its subscribers. */
class JobWatcher {
  /** Events fetched since the watcher started, from sequence `base + 1` on. */
  private readonly log: JobEvent[] = [];
  private readonly listeners = new Map<EventListener, { cursor: number; live: boolean }>();
  private readonly abort = new AbortController();
  private ended = false;
  /** The last query failed (no worker answered): ask again when Temporal next answers. */
  private stale = true;

  constructor(
    private readonly jobId: string,
    private readonly base: number,
    /** History events already there when watching began: they say nothing new. */
    private seenEvents: number,
    private readonly deps: JobEventHubDeps,
    private readonly onStop: () => void,
  ) {
    void this.run();
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  private get lastSequence(): number {
    return this.base + this.log.length;
  }

  add(after: number, listener: EventListener): () => void {
    const subscriber = { cursor: after, live: after >= this.base };
    this.listeners.set(listener, subscriber);
    if (subscriber.live) this.drain(listener);
    else void this.backfill(listener);
    return () => this.remove(listener);
  }

  stop(): void {
    if (this.ended) return;
    this.ended = true;
    this.abort.abort();
    this.onStop();
    for (const listener of this.listeners.keys()) listener.end();
    this.listeners.clear();
  }

  private remove(listener: EventListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.stop();
  }

  /** A subscriber that resumes from before the watcher's first event gets those from the workflow first. */
  private async backfill(listener: EventListener): Promise<void> {
    const subscriber = this.listeners.get(listener);
    if (!subscriber) return;
    for (;;) {
      try {
        for (const event of await fetchEvents(this.deps, this.jobId, subscriber.cursor, this.base, this.abort.signal)) {
          if (event.sequence === subscriber.cursor + 1 && event.sequence <= this.base) {
            subscriber.cursor = event.sequence;
            listener.event(event);
          }
        }
        break;
      } catch (err) {
        if (!this.listeners.has(listener)) return;
        this.deps.logger.debug({ err, jobId: this.jobId }, 'cannot read the missed events yet');
        await delay(RETRY_DELAY_MS, this.abort.signal);
        if (this.abort.signal.aborted) return;
      }
    }
    subscriber.live = true;
    this.drain(listener);
  }

  /** Sends a subscriber the events it has not had yet. */
  private drain(listener: EventListener): void {
    const subscriber = this.listeners.get(listener);
    if (!subscriber?.live) return;
    while (subscriber.cursor < this.lastSequence) {
      const event = this.log[subscriber.cursor - this.base];
      if (!event) return;
      subscriber.cursor = event.sequence;
      listener.event(event);
      if (isTerminalEvent(event.type)) {
        this.listeners.delete(listener);
        listener.end();
        return;
      }
    }
  }

  private append(events: JobEvent[]): void {
    for (const event of events) if (event.sequence === this.lastSequence + 1) this.log.push(event);
    for (const listener of [...this.listeners.keys()]) this.drain(listener);
    if (this.log.some((event) => isTerminalEvent(event.type))) this.stop();
  }

  private async run(): Promise<void> {
    const { client, config, logger } = this.deps;
    let token: Uint8Array | undefined;
    while (!this.ended) {
      let changed = false;
      let closed: boolean;
      // Each long poll gets its own signal: the client adds a listener to it per call.
      const call = new AbortController();
      const cancel = () => call.abort();
      this.abort.signal.addEventListener('abort', cancel, { once: true });
      try {
        const response = await client.connection.withAbortSignal(call.signal, () =>
          client.workflowService.getWorkflowExecutionHistory({
            namespace: config.temporal.namespace,
            execution: { workflowId: this.jobId },
            waitNewEvent: true,
            ...(token ? { nextPageToken: token } : {}),
          }),
        );
        for (const event of response.history?.events ?? []) {
          const id = Number(event.eventId);
          if (id <= this.seenEvents) continue;
          this.seenEvents = id;
          if (CHANGES.has(event.eventType ?? 0)) changed = true;
        }
        token = response.nextPageToken?.length ? response.nextPageToken : undefined;
        closed = token === undefined;
      } catch (err) {
        if (this.ended) return;
        if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) {
          this.stop();
          return;
        }
        if (!isTemporalUnavailable(err)) logger.warn({ err, jobId: this.jobId }, 'watching the job failed; trying again');
        await delay(RETRY_DELAY_MS, this.abort.signal);
        continue;
      } finally {
        this.abort.signal.removeEventListener('abort', cancel);
      }
      if (changed || this.stale || closed) await this.pull(closed);
    }
  }

  /** Asks the workflow for its new events; once it has closed, ends with its last event. */
  private async pull(closed: boolean): Promise<void> {
    try {
      this.append(await fetchEvents(this.deps, this.jobId, this.lastSequence, Infinity, this.abort.signal));
      this.stale = false;
    } catch (err) {
      this.stale = true;
      if (!isTemporalUnavailable(err)) this.deps.logger.debug({ err, jobId: this.jobId }, 'no worker answered for the events; waiting');
    }
    if (closed && !this.ended) {
      // Ended without its last event in the record (terminated, or no worker to ask): from what Temporal kept.
      try {
        const { client, config } = this.deps;
        const description = await withDeadline(client, config.temporal.rpcTimeoutMs, () => client.workflow.getHandle(this.jobId).describe());
        const last = await terminalEvent(this.deps, this.jobId, description.memo ?? {});
        // Without a worker the events between may be missing: the last one keeps its own number.
        if (last.sequence > this.lastSequence) {
          this.log.push(last);
          for (const listener of [...this.listeners.keys()]) this.drain(listener);
        }
      } catch (err) {
        this.deps.logger.warn({ err, jobId: this.jobId }, 'could not read how the job ended');
      }
      this.stop();
    }
  }
}

/** The job's events after `after` (up to `until`), page by page from its workflow; `signal` gives up. */
async function fetchEvents(deps: JobEventHubDeps, jobId: string, after: number, until = Infinity, signal?: AbortSignal): Promise<JobEvent[]> {
  const { client, config } = deps;
  const handle = client.workflow.getHandle(jobId);
  const events: JobEvent[] = [];
  let cursor = after;
  const ask = () => withDeadline(client, config.statusQueryTimeoutMs, () => handle.query(jobEventsQuery, { after: cursor, limit: QUERY_PAGE }));
  while (cursor < until) {
    const page = await (signal ? client.connection.withAbortSignal(signal, ask) : ask());
    events.push(...page.events);
    cursor = page.events.at(-1)?.sequence ?? cursor;
    if (cursor >= page.lastSequence || page.events.length === 0) break;
  }
  return events.filter((event) => event.sequence <= until);
}

/**
 * A finished job's last event as the service knows it without a worker: its final state
 * (Temporal's record of the closed workflow) under the sequence number the job recorded.
 */
async function terminalEvent(deps: JobEventHubDeps, jobId: string, memo: Record<string, unknown>): Promise<JobEvent> {
  const { state } = await deps.status.read(jobId, undefined);
  const recorded = memo[JOB_STATE_MEMO_KEY] as JobState | undefined;
  const lastSequence = recordedLastSequence(memo);
  // The job recorded its end as its last event, unless it was ended from outside (terminated).
  return lastEventOf(state, recorded && isTerminalStatus(recorded.status) && lastSequence > 0 ? lastSequence : lastSequence + 1);
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
