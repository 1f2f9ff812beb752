import { context, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * Structured logs on stdout; `service` tells the API, worker and supervisor apart. JSON, one
 * line per event, unless stdout is a terminal: then human-readable (pino-pretty). A line
 * written inside a span carries its `traceId` and `spanId`, unless it names them itself.
 */
export function createLogger(service: string, level: string, terminal = Boolean(process.stdout.isTTY)): Logger {
  const options: pino.LoggerOptions = { level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime, mixin: activeSpanFields };
  return terminal ? pino(options, pretty({ colorize: true, sync: true, ignore: 'pid,hostname' })) : pino(options);
}

function activeSpanFields(line: object, _level: number, logger: Logger): Record<string, string> {
  const span = trace.getSpanContext(context.active());
  if (!span || !trace.isSpanContextValid(span) || 'traceId' in line || 'traceId' in logger.bindings()) return {};
  return { traceId: span.traceId, spanId: span.spanId };
}
