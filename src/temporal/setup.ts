import { status as GrpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';

/** Retention of closed jobs when the service has to create its namespace itself. */
const NEW_NAMESPACE_RETENTION = '7 days';

/** Either kind of connection (client or worker): both expose the raw services. */
interface TemporalServices {
  workflowService: temporal.api.workflowservice.v1.WorkflowService;
  operatorService: temporal.api.operatorservice.v1.OperatorService;
}

/**
 * Makes sure the namespace exists, creating it when it does not (a plain dev server or a
 * fresh cluster has only `default`). Safe to run from every process at every start.
 */
export async function ensureNamespace(connection: TemporalServices, namespace: string, logger: Logger): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GrpcStatus.NOT_FOUND)) throw err;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(NEW_NAMESPACE_RETENTION),
    });
    logger.info({ namespace }, 'registered Temporal namespace');
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GrpcStatus.ALREADY_EXISTS)) throw err;
  }
}
