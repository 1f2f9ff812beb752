import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * Structured logs on stdout; `service` tells the API, worker and supervisor apart. JSON, one
 * line per event, unless stdout is a terminal: then human-readable (pino-pretty).
 */
export function createLogger(service: string, level: string, terminal = Boolean(process.stdout.isTTY)): Logger {
  const options = { level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime };
  return terminal ? pino(options, pretty({ colorize: true, sync: true, ignore: 'pid,hostname' })) : pino(options);
}
