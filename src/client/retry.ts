// When and how long the SDK waits before it sends a request again: exponential backoff with
// full jitter, or the server's own `Retry-After` when it gives one.

export interface RetryOptions {
  /** Attempts in all, the first included (default 6). */
  maxAttempts?: number;
  /** The first backoff's ceiling (default 500 ms); it doubles with each attempt. */
  baseDelayMs?: number;
  /** The most any backoff waits (default 30 s). A `Retry-After` is honoured up to `maxRetryAfterMs`. */
  maxDelayMs?: number;
  /** The longest `Retry-After` honoured (default 5 min); longer ones fail the request instead. */
  maxRetryAfterMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    maxAttempts: Math.max(1, options.maxAttempts ?? 6),
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 5 * 60_000,
  };
}

/** Answers worth another attempt: rate limited, overloaded, or a gateway that lost the server. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Full jitter: a random wait between 0 and base × 2^(attempt-1), at most maxDelayMs. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.random() * ceiling;
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
