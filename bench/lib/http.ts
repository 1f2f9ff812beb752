// HTTP load with autocannon, keeping every response time so percentiles are exact.
import autocannon from 'autocannon';
import { percentile } from './stats';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** Responses with a status other than the expected one. */
  unexpected: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Buffer;
  expectStatus: number;
  /** Paths to spread the requests over, in turn (for reads of many jobs). */
  paths?: string[];
  /** Per-path headers (e.g. each job's ETag). */
  headersFor?: (path: string) => Record<string, string>;
}

/** Rate and latency percentiles of `times` (ms) measured over `seconds`. */
export function loadResult(times: number[], seconds: number, errors = 0, unexpected = 0): LoadResult {
  return {
    requestsPerSecond: times.length / seconds,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    errors,
    unexpected,
  };
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const times: number[] = [];
  let unexpected = 0;
  let next = 0;
  const requests = options.paths
    ? [
        {
          setupRequest: (request: Record<string, unknown>) => {
            const path = options.paths![next++ % options.paths!.length]!;
            return { ...request, path, headers: { ...(request.headers as object), ...(options.headersFor?.(path) ?? {}) } };
          },
        },
      ]
    : undefined;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    requests,
  } as autocannon.Options) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    times.push(responseTime);
    if (statusCode !== options.expectStatus) unexpected++;
  });
  const result = await instance;
  return loadResult(times, options.seconds, result.errors + result.timeouts, unexpected);
}
