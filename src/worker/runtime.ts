import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { temporalLoggerFor } from '../temporal/logging';

/**
 * Installs the process-wide Temporal runtime: SDK and native (core) log lines go to our pino
 * logger as structured fields; on `shutdownSignals` the runtime drains every worker.
 */
export function installTemporalRuntime(logger: Logger, shutdownSignals: NodeJS.Signals[]): Runtime {
  return Runtime.install({
    logger: temporalLoggerFor(logger),
    shutdownSignals,
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
}
