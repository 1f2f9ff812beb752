import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import type { Logger } from 'pino';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Sends the Temporal SDK's own log lines into our pino logger, as structured fields; the trace
 * fields its tracing interceptors add are named as in every other line (`traceId`, `spanId`).
 */
export function temporalLoggerFor(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => logger[LEVELS[level]](fieldsOf(meta), message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

function fieldsOf(meta: LogMetadata | undefined): LogMetadata {
  if (!meta || !('trace_id' in meta)) return meta ?? {};
  const { trace_id: traceId, span_id: spanId, trace_flags: _flags, ...rest } = meta;
  return { ...rest, traceId, spanId };
}
