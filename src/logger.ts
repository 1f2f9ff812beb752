import pino, { type Logger } from 'pino';

/** Structured JSON logs on stdout; `service` tells the API, worker and supervisor apart. */
export function createLogger(service: string, level: string): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
