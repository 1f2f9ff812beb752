import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { temporalLoggerFor } from '../temporal/logging';

/**
 * Installs the process-wide Temporal runtime: SDK and native (core) log lines go to our pino
 * logger as structured fields; on `shutdownSignals` the runtime drains every worker. With
 * `sdkMetricsAddress`, the SDK serves its own worker metrics (task slots, poll latency,
 * schedule-to-start) there in Prometheus form.
 */
export function installTemporalRuntime(logger: Logger, shutdownSignals: NodeJS.Signals[], sdkMetricsAddress?: string): Runtime {
  return Runtime.install({
    logger: temporalLoggerFor(logger),
    shutdownSignals,
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(sdkMetricsAddress
        ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } }
        : {}),
    },
  });
}
