// The TypeScript SDK: submit documents, follow jobs to their end and fetch their results,
// over the standard `fetch` and nothing else.
import { randomUUID } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { JobBody, JobSummaryBody } from '../api/schemas';
import type { JobEventType } from '../shared/events';
import type { JobStatus } from '../shared/jobs';
import type { OutputFormat } from '../shared/schemas';
import { CLIENT_ERROR_CODES, OcrJobsError } from './errors';
import { backoffMs, retryAfterMs, retryPolicy, RETRYABLE_STATUSES, sleep, type RetryOptions, type RetryPolicy } from './retry';
import { serverSentEvents } from './sse';

export type Job = JobBody;
export type JobSummary = JobSummaryBody;
export type { JobStatus, OutputFormat };

/** The statuses a job ends in. */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>(['DONE', 'PARTIAL_SUCCESS', 'ERROR', 'CANCELLED']);

export interface OcrJobsClientOptions {
  /** Where the API is, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** A tenant's key, sent as `Authorization: Bearer …`; none for an open API. */
  apiKey?: string;
  /** How network errors, `429` and `503` are retried. */
  retry?: RetryOptions;
  /** Another `fetch` (a proxy agent's, a test's); the global one by default. */
  fetch?: typeof fetch;
}

/** A document to read: a file path, its bytes, a stream of them, a Blob, or a URL the worker downloads. */
export type DocumentInput = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | { sourceUrl: string };

export interface SubmitOptions {
  /** `eng+fra` or `['eng', 'fra']`; default `eng`. */
  languages?: string | readonly string[];
  /** Pages to read, e.g. `1-3,5`; default every page. */
  pages?: string;
  /** Result formats besides text and json: `hocr`, `pdf`. */
  outputs?: string | readonly OutputFormat[];
  callbackUrl?: string;
  callbackEvents?: 'terminal' | 'all';
  metadata?: Record<string, string>;
  /** When the job gives up (ISO 8601), or as seconds from now. */
  deadline?: string;
  timeoutSeconds?: number;
  /** The same key always gives the same job; one is made per `submit` call when none is given. */
  idempotencyKey?: string;
  /** The uploaded file's name (shown in the Temporal Web UI); a path's own name by default. */
  fileName?: string;
  signal?: AbortSignal;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Called with the job at each change seen: an event of its stream, or a poll that found it changed. */
  onProgress?: (job: Job) => void;
  /** Give up waiting (the job runs on) after this long: rejects with `WAIT_TIMEOUT`. */
  timeoutMs?: number;
}

export interface ListOptions {
  status?: JobStatus;
  /** Jobs per page asked of the API (1–100). */
  limit?: number;
  signal?: AbortSignal;
}

export type ResultAs = 'text' | 'bytes' | 'stream';

/** Answers that are not problems but are expected by the caller. */
interface Expect {
  /** Statuses answered as they are, not thrown. */
  pass?: readonly number[];
  /** Statuses answered as they are when a retry meets them: what the lost first attempt left (a job it deleted). */
  passOnRetry?: readonly number[];
}

/** An event of the job's stream: `{ type, timestamp, sequence, data }`, `data` the job then. */
interface StreamEvent {
  type: JobEventType;
  sequence: number;
  data: Job;
}

type RequestBody = NonNullable<RequestInit['body']>;

/** How long `wait` polls apart when the server gives no `Retry-After`. */
const DEFAULT_POLL_MS = 2000;

export class OcrJobsClient {
  private readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly retry: RetryPolicy;
  private readonly fetch: typeof fetch;

  constructor(options: OcrJobsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey || undefined;
    this.retry = retryPolicy(options.retry);
    this.fetch = options.fetch ?? fetch;
  }

  /**
   * Submits a document and answers with its job (`202`, or the job as it is now when the
   * idempotency key was used before). Network errors, `429` and `503` are retried with the
   * same key, so however often the request is sent there is one job.
   */
  async submit(input: DocumentInput, options: SubmitOptions = {}): Promise<Job> {
    const key = options.idempotencyKey ?? randomUUID();
    const headers: Record<string, string> = { 'Idempotency-Key': key, Accept: 'application/json' };
    let body: RequestBody;
    if (isSourceUrl(input)) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify({ sourceUrl: input.sourceUrl, ...jobOptions(options) });
    } else {
      // A Blob can be sent again on a retry; a stream is read into one first.
      const file = await documentBlob(input);
      const form = new FormData();
      form.append('file', file, options.fileName ?? (typeof input === 'string' ? basename(input) : file instanceof File ? file.name : 'document'));
      for (const [name, value] of Object.entries(jobOptions(options))) form.append(name, typeof value === 'string' ? value : JSON.stringify(value));
      body = form;
    }
    const response = await this.send('POST', '/jobs', { headers, body, signal: options.signal });
    return (await response.json()) as Job;
  }

  /** The job as it is now. */
  async get(jobId: string, options: { signal?: AbortSignal } = {}): Promise<Job> {
    const response = await this.send('GET', jobPath(jobId), { signal: options.signal });
    return (await response.json()) as Job;
  }

  /**
   * Waits for the job to end and answers with it (its result included). Follows the job's
   * event stream, reconnecting after a dropped connection from the last event seen; where the
   * server has no stream, polls at its `Retry-After` with `If-None-Match`. A job that ends
   * `ERROR` rejects with its code and failed step; `DONE`, `PARTIAL_SUCCESS` and `CANCELLED`
   * resolve.
   */
  async wait(jobId: string, options: WaitOptions = {}): Promise<Job> {
    const timeout = new AbortController();
    const timer = options.timeoutMs === undefined ? null : setTimeout(() => timeout.abort(waitTimeout(jobId, options.timeoutMs!)), options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    try {
      const ended = (await this.followStream(jobId, signal, options.onProgress)) ?? (await this.poll(jobId, signal, options.onProgress));
      if (ended.status === 'ERROR') throw OcrJobsError.ofJob(ended);
      return ended;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** A finished job's result: text (also for `json` and `hocr`), bytes (for `pdf`) or a stream. */
  result(jobId: string, format?: OutputFormat, options?: { as?: 'text'; signal?: AbortSignal }): Promise<string>;
  result(jobId: string, format: OutputFormat, options: { as: 'bytes'; signal?: AbortSignal }): Promise<Uint8Array>;
  result(jobId: string, format: OutputFormat, options: { as: 'stream'; signal?: AbortSignal }): Promise<ReadableStream<Uint8Array>>;
  async result(jobId: string, format: OutputFormat = 'text', options: { as?: ResultAs; signal?: AbortSignal } = {}): Promise<string | Uint8Array | ReadableStream<Uint8Array>> {
    const response = await this.send('GET', `${jobPath(jobId)}/result?format=${encodeURIComponent(format)}`, { signal: options.signal });
    if (options.as === 'stream') return response.body ?? new Blob([]).stream();
    if (options.as === 'bytes') return new Uint8Array(await response.arrayBuffer());
    return response.text();
  }

  /** Asks the job to stop; answers with the job (it ends `CANCELLED` once its steps have stopped). */
  async cancel(jobId: string, options: { signal?: AbortSignal } = {}): Promise<Job> {
    const response = await this.send('POST', `${jobPath(jobId)}/cancel`, { signal: options.signal });
    return (await response.json()) as Job;
  }

  /** Removes a finished job's document and results; reads of it answer `410` afterwards. */
  async delete(jobId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    // A retried delete whose first attempt went through finds the job gone: that is done too.
    const response = await this.send('DELETE', jobPath(jobId), { signal: options.signal }, { passOnRetry: [410] });
    await response.body?.cancel();
  }

  /** Jobs, newest first, across as many pages (cursors) as the caller reads. */
  async *list(options: ListOptions = {}): AsyncGenerator<JobSummary> {
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams();
      if (options.status) query.set('status', options.status);
      if (options.limit) query.set('limit', String(options.limit));
      if (cursor) query.set('cursor', cursor);
      const response = await this.send('GET', `/jobs?${query}`, { signal: options.signal });
      const page = (await response.json()) as { items: JobSummary[]; nextCursor: string | null };
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /**
   * The job's end as its event stream tells it, the whole job read once it ended; null when
   * the server has no stream (the caller polls then).
   */
  private async followStream(jobId: string, signal: AbortSignal, onProgress?: (job: Job) => void): Promise<Job | null> {
    let lastEventId: string | undefined;
    let failures = 0;
    for (;;) {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      const response = await this.send('GET', `${jobPath(jobId)}/events`, { headers, signal }, { pass: [404, 406] });
      if (!response.ok || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
        const problem = await OcrJobsError.ofResponse(response);
        // A job the server does not know is an error; a server without streams is polled.
        if (problem.code === 'JOB_NOT_FOUND' || problem.status === 410) throw problem;
        return null;
      }
      try {
        for await (const message of serverSentEvents(response.body!)) {
          if (message.id) lastEventId = message.id;
          failures = 0;
          const event = JSON.parse(message.data) as StreamEvent;
          onProgress?.(event.data);
          if (TERMINAL_STATUSES.has(event.data.status)) return await this.ended(jobId, signal);
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof SyntaxError) throw unexpected(`the event stream of job ${jobId} sent data that is not JSON`, error);
      }
      // The connection dropped (or the stream ended early): connect again from the last event seen.
      failures += 1;
      if (failures >= this.retry.maxAttempts) return null;
      await sleep(backoffMs(this.retry, failures), signal);
    }
  }

  /**
   * The whole job once its stream said it ended. A read may briefly lag the stream (the API
   * shares reads made within its status cache window), so it is read again shortly until it
   * agrees, and polled as usual should it keep lagging.
   */
  private async ended(jobId: string, signal: AbortSignal): Promise<Job> {
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      const job = await this.get(jobId, { signal });
      if (TERMINAL_STATUSES.has(job.status)) return job;
      await sleep(Math.min(2000, 100 * 2 ** attempt), signal);
    }
    return this.poll(jobId, signal);
  }

  /** Polls the job until it ends, at the server's `Retry-After`, sending `If-None-Match`. */
  private async poll(jobId: string, signal: AbortSignal, onProgress?: (job: Job) => void): Promise<Job> {
    let etag: string | null = null;
    for (;;) {
      const headers: Record<string, string> = etag ? { 'If-None-Match': etag } : {};
      const response = await this.send('GET', jobPath(jobId), { headers, signal }, { pass: [304] });
      if (response.status !== 304) {
        etag = response.headers.get('etag');
        const job = (await response.json()) as Job;
        onProgress?.(job);
        if (TERMINAL_STATUSES.has(job.status)) return job;
      }
      await sleep(retryAfterMs(response.headers) ?? DEFAULT_POLL_MS, signal);
    }
  }

  /**
   * One request, retried on network errors and on `429`, `502`, `503` and `504` (waiting their
   * `Retry-After` when they give one, else a backoff with full jitter). Other answers that are
   * not 2xx (or listed in `expect.pass`) are thrown as the problem they carry.
   */
  private async send(method: string, path: string, init: { headers?: Record<string, string>; body?: RequestBody; signal?: AbortSignal }, expect: Expect = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(`${this.baseUrl}${path}`, { method, headers, body: init.body, signal: init.signal });
      } catch (error) {
        if (init.signal?.aborted) throw init.signal.reason;
        if (attempt >= this.retry.maxAttempts) {
          throw new OcrJobsError({ code: CLIENT_ERROR_CODES.NETWORK_ERROR, status: null, detail: `could not reach ${this.baseUrl}: ${describe(error)}`, cause: error });
        }
        await sleep(backoffMs(this.retry, attempt), init.signal);
        continue;
      }
      if (response.ok || expect.pass?.includes(response.status) || (attempt > 1 && expect.passOnRetry?.includes(response.status))) return response;
      const wait = retryAfterMs(response.headers);
      if (RETRYABLE_STATUSES.has(response.status) && attempt < this.retry.maxAttempts && (wait === null || wait <= this.retry.maxRetryAfterMs)) {
        await response.body?.cancel();
        await sleep(wait ?? backoffMs(this.retry, attempt), init.signal);
        continue;
      }
      throw await OcrJobsError.ofResponse(response);
    }
  }
}

function isSourceUrl(input: DocumentInput): input is { sourceUrl: string } {
  return typeof input === 'object' && input !== null && 'sourceUrl' in input && typeof (input as { sourceUrl: unknown }).sourceUrl === 'string';
}

/** The options as the API's form fields and JSON members name them. */
function jobOptions(options: SubmitOptions): Record<string, string | number | Record<string, string>> {
  const fields: Record<string, string | number | Record<string, string>> = {};
  if (options.languages !== undefined) fields.languages = typeof options.languages === 'string' ? options.languages : options.languages.join('+');
  if (options.pages !== undefined) fields.pages = options.pages;
  if (options.outputs !== undefined) fields.outputs = typeof options.outputs === 'string' ? options.outputs : options.outputs.join(',');
  if (options.callbackUrl !== undefined) fields.callbackUrl = options.callbackUrl;
  if (options.callbackEvents !== undefined) fields.callbackEvents = options.callbackEvents;
  if (options.metadata !== undefined) fields.metadata = options.metadata;
  if (options.deadline !== undefined) fields.deadline = options.deadline;
  if (options.timeoutSeconds !== undefined) fields.timeoutSeconds = String(options.timeoutSeconds);
  return fields;
}

/** The document as a Blob: read again on every attempt, never held twice. */
async function documentBlob(input: Exclude<DocumentInput, { sourceUrl: string }>): Promise<Blob> {
  if (typeof input === 'string') return openAsBlob(input);
  if (input instanceof Blob) return input;
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return new Blob([input]);
  const chunks: Uint8Array[] = [];
  const iterable: AsyncIterable<Uint8Array> = input instanceof ReadableStream ? readChunks(input) : input;
  for await (const chunk of iterable) chunks.push(chunk);
  return new Blob(chunks);
}

async function* readChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function jobPath(jobId: string): string {
  return `/jobs/${encodeURIComponent(jobId)}`;
}

function waitTimeout(jobId: string, ms: number): OcrJobsError {
  return new OcrJobsError({ code: CLIENT_ERROR_CODES.WAIT_TIMEOUT, status: null, detail: `job ${jobId} did not end within ${ms} ms; it runs on` });
}

function unexpected(detail: string, cause: unknown): OcrJobsError {
  return new OcrJobsError({ code: CLIENT_ERROR_CODES.UNEXPECTED_RESPONSE, status: null, detail, cause });
}

/** A network error's reason: undici hides it in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
