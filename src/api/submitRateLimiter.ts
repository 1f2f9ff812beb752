import type { Response } from 'express';
import { TokenBucket } from 'limiter';
import type { Caller } from '../auth/authenticate';
import { ApiError, ApiErrorCode } from './problems';

const POLICY = 'submits';
const WINDOW_SECONDS = 60;

/**
 * Each tenant's submit rate, as a token bucket: it holds `submitsPerMinute` submits and
 * refills at that rate, so a tenant may burst up to its minute's worth and then goes at its
 * rate. Kept in this process's memory: each API replica counts on its own (see the README).
 * Every answer to a tenant's request carries the IETF `RateLimit-Policy` and `RateLimit`
 * headers.
 */
export class SubmitRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /** Takes one submit from the caller's bucket. @throws ApiError 429 RATE_LIMITED */
  take(caller: Caller, res: Response): void {
    const bucket = this.bucketOf(caller);
    if (!bucket) return;
    const allowed = bucket.tryRemoveTokens(1);
    this.describe(caller, res);
    if (!allowed) {
      const retryAfter = Math.max(1, Math.ceil(bucket.getWaitTime(1) / 1000));
      throw new ApiError(
        429,
        ApiErrorCode.RATE_LIMITED,
        `tenant ${caller.tenant} may submit ${caller.submitsPerMinute} documents a minute; the next one in ${retryAfter} s`,
        { headers: { 'Retry-After': String(retryAfter) } },
      );
    }
  }

  /** Sets the rate-limit headers for the caller (nothing on an open API). */
  describe(caller: Caller, res: Response): void {
    const bucket = this.bucketOf(caller);
    if (!bucket) return;
    bucket.drip();
    const remaining = Math.floor(bucket.content);
    // Seconds until the bucket is full again.
    const reset = Math.ceil(((bucket.bucketSize - bucket.content) * bucket.interval) / bucket.tokensPerInterval / 1000);
    res.setHeader('RateLimit-Policy', `"${POLICY}";q=${bucket.bucketSize};w=${WINDOW_SECONDS}`);
    res.setHeader('RateLimit', `"${POLICY}";r=${remaining};t=${reset}`);
  }

  private bucketOf(caller: Caller): TokenBucket | null {
    if (caller.tenant === undefined) return null;
    let bucket = this.buckets.get(caller.tenant);
    // A tenant whose rate changed in the tenants file starts afresh at its new rate.
    if (!bucket || bucket.bucketSize !== caller.submitsPerMinute) {
      bucket = new TokenBucket({ bucketSize: caller.submitsPerMinute, tokensPerInterval: caller.submitsPerMinute, interval: 'minute' });
      bucket.content = bucket.bucketSize;
      this.buckets.set(caller.tenant, bucket);
    }
    return bucket;
  }
}
