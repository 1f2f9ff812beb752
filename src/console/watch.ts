// Following a job until it ends: its Server-Sent Events read with fetch (EventSource cannot send
// an Authorization header), reconnecting with Last-Event-ID, and polling when the stream fails.
import { api, ApiProblem, isFinished, type Job } from './api.js';

interface ServerSentEvent {
  id: string | undefined;
  data: string;
}

/**
 * Browsers open at most six HTTP/1.1 connections to a host: more streams than this would leave
 * no connection for uploads and downloads, so further jobs are polled instead.
 */
const MAX_STREAMS = 4;
/** Reconnects in a row without an event before the stream is given up for polling. */
const MAX_RECONNECTS = 3;
let openStreams = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `update` with each new state of the job and answers its final one. */
export async function followJob(jobId: string, update: (job: Job) => void): Promise<Job> {
  if (openStreams < MAX_STREAMS) {
    openStreams += 1;
    try {
      const last = await stream(jobId, update);
      if (last) return last;
    } finally {
      openStreams -= 1;
    }
  }
  return poll(jobId, update);
}

/** The job's final state from its event stream, or null when the stream kept failing. */
async function stream(jobId: string, update: (job: Job) => void): Promise<Job | null> {
  let lastEventId: string | undefined;
  for (let failures = 0; failures < MAX_RECONNECTS; failures += 1) {
    if (failures > 0) await sleep(1000 * failures);
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      const res = await api(`/jobs/${jobId}/events`, { headers, cache: 'no-store' });
      if (!res.body) return null;
      for await (const event of serverSentEvents(res.body)) {
        lastEventId = event.id ?? lastEventId;
        const job = (JSON.parse(event.data) as { data: Job }).data;
        update(job);
        if (isFinished(job.status)) return job;
        // The stream works: a later break starts the count of reconnects again.
        failures = 0;
      }
      // The stream closed before the job ended (an API restart, a proxy's timeout): reconnect.
    } catch (err) {
      // A connection lost mid-stream rejects the read with a TypeError; a job that is gone, or a refused key, is no reason to retry.
      if (!(err instanceof ApiProblem && err.transient) && !(err instanceof TypeError)) throw err;
    }
  }
  return null;
}

/** Reads `GET /jobs/{id}` as often as its Retry-After says (1 to 5 s) until the job ends. */
async function poll(jobId: string, update: (job: Job) => void): Promise<Job> {
  for (;;) {
    let waitSeconds = 3;
    try {
      const res = await api(`/jobs/${jobId}`, { cache: 'no-store' });
      const job = (await res.json()) as Job;
      update(job);
      if (isFinished(job.status)) return job;
      waitSeconds = Number(res.headers.get('Retry-After')) || 2;
    } catch (err) {
      if (!(err instanceof ApiProblem && err.transient)) throw err;
    }
    await sleep(Math.min(Math.max(waitSeconds, 1), 5) * 1000);
  }
}

/** The events of a `text/event-stream` body (lines ending in LF or CRLF, as the API sends them); comments and other fields skipped. */
async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let id: string | undefined;
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split('\n').map((line) => line.replace(/\r$/, ''));
      // The last piece may be a line still arriving.
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield { id, data: data.join('\n') };
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
    }
  } finally {
    // Left early (the job ended) or failed: let the connection go.
    reader.cancel().catch(() => undefined);
  }
}
