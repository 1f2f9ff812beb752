import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { ApiError, ApiErrorCode, PROBLEM_MEDIA_TYPE, problemDocument } from './problems';

/** Node's limit on the request line and headers together (its default, stated here). */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The HTTP server for the API. Slow clients are bounded (headers and whole requests have
 * time limits, checked every second), and the errors Node answers before express sees a
 * request (oversized headers, timeouts, broken HTTP) are problem details like every other.
 */
export function createHttpServer(app: Express, config: Config, logger: Logger): http.Server {
  const { requestTimeoutMs, headersTimeoutMs } = config.http;
  const server = http.createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Node checks the two timeouts on this interval (30 s by default, which lets a
      // slow client hold a connection far past its limit).
      connectionsCheckingInterval: Math.min(1000, Math.floor(headersTimeoutMs / 2)),
    },
    app,
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const error = clientErrorProblem(err, config);
    // A response already under way, or a client that left, cannot get another one.
    const started = (socket as { _httpMessage?: http.ServerResponse })._httpMessage?.headersSent ?? false;
    if (!error || !socket.writable || started) {
      socket.destroy();
      return;
    }
    logger.warn({ code: err.code, status: error.status }, error.detail);
    const body = problemDocument(error, '');
    socket.end(
      `HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status]}\r\n` +
        `Content-Type: ${PROBLEM_MEDIA_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

/** The problem to answer a connection-level error with; null when there is no one to answer. */
function clientErrorProblem(err: NodeJS.ErrnoException, config: Config): ApiError | null {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return null;
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(
        431,
        ApiErrorCode.HEADERS_TOO_LARGE,
        `the request line and headers are larger than ${MAX_HEADER_BYTES / 1024} KiB`,
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(
        408,
        ApiErrorCode.REQUEST_TIMEOUT,
        `the request did not arrive in time: headers within ${config.http.headersTimeoutMs} ms (HEADERS_TIMEOUT_MS), the whole request within ${config.http.requestTimeoutMs} ms (REQUEST_TIMEOUT_MS)`,
      );
    default:
      return new ApiError(400, ApiErrorCode.MALFORMED_REQUEST, `the request is not valid HTTP (${err.code ?? err.message})`);
  }
}
