import http from 'node:http';
import https from 'node:https';
import { AddressPolicy, ForbiddenAddressError } from './addressPolicy';

export type DownloadFailure = 'forbidden' | 'unavailable' | 'too-large' | 'unsupported';

export class DownloadError extends Error {
  constructor(
    readonly kind: DownloadFailure,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  maxBytes: number;
  timeoutMs: number;
  /**
   * Addresses that may be fetched although they are not public: IPs or CIDR ranges
   * (`127.0.0.1`, `10.0.0.0/8`) or host names (`files.internal`).
   */
  allowList: readonly string[];
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Called as bytes arrive, with the total so far. */
  onProgress?: (bytes: number) => void;
}

export interface Downloaded {
  bytes: Buffer;
  contentType: string | null;
  finalUrl: string;
}

/** Content types a document may be served with; anything else is refused before reading it. */
const DOCUMENT_CONTENT_TYPE = /^(image\/[\w.+-]+|application\/pdf|application\/octet-stream|binary\/octet-stream)$/i;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads a document from an http(s) URL with the guards a server-side fetch of a
 * user-given URL needs: only public addresses (checked on the resolved IPs, at every
 * redirect, so DNS tricks and redirects to the inside are refused), a size cap, a timeout
 * and a content-type check.
 */
export async function download(url: string, options: DownloadOptions): Promise<Downloaded> {
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])]);
  const policy = new AddressPolicy(options.allowList);
  let current = new URL(url);
  for (let hop = 0; hop <= (options.maxRedirects ?? 5); hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new DownloadError('forbidden', `only http and https URLs are fetched, not ${current.protocol}`);
    }
    try {
      policy.checkLiteral(current.hostname);
    } catch (err) {
      throw classify(err as Error, current, signal);
    }
    const response = await get(current, policy, signal);
    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status) && response.headers.location) {
      response.resume();
      current = new URL(response.headers.location, current);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new DownloadError('unavailable', `${current.host} answered HTTP ${status}`);
    }
    const contentType = response.headers['content-type']?.split(';')[0]?.trim() ?? null;
    if (contentType && !DOCUMENT_CONTENT_TYPE.test(contentType)) {
      response.destroy();
      throw new DownloadError('unsupported', `the URL serves ${contentType}, not an image or PDF`);
    }
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (declared > options.maxBytes) {
      response.destroy();
      throw new DownloadError('too-large', `the document has ${declared} bytes, over the limit of ${options.maxBytes}`);
    }
    const bytes = await readCapped(response, options.maxBytes, options.onProgress);
    return { bytes, contentType, finalUrl: current.toString() };
  }
  throw new DownloadError('unavailable', `more than ${options.maxRedirects ?? 5} redirects`);
}

function get(url: URL, policy: AddressPolicy, signal: AbortSignal): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { signal, lookup: policy.lookup, headers: { accept: 'image/*, application/pdf' } });
    request.on('response', resolve);
    request.on('error', (err) => reject(classify(err, url, signal)));
  });
}

async function readCapped(
  response: http.IncomingMessage,
  maxBytes: number,
  onProgress?: (bytes: number) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        response.destroy();
        throw new DownloadError('too-large', `the document is larger than the limit of ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
      onProgress?.(total);
    }
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    throw new DownloadError('unavailable', `the download broke off: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks);
}

function classify(err: Error, url: URL, signal: AbortSignal): Error {
  if (err instanceof DownloadError) return err;
  if (err instanceof ForbiddenAddressError) return new DownloadError('forbidden', err.message);
  if (signal.aborted && (signal.reason as Error)?.name !== 'TimeoutError') return signal.reason as Error;
  if (signal.aborted) return new DownloadError('unavailable', `${url.host} did not answer in time`);
  const cause = (err as NodeJS.ErrnoException & { cause?: unknown }).cause;
  if (cause instanceof DownloadError) return cause;
  if (cause instanceof ForbiddenAddressError) return new DownloadError('forbidden', cause.message);
  return new DownloadError('unavailable', `cannot fetch from ${url.host}: ${err.message}`);
}
