import { status as GrpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../shared/searchAttributes';
import { durationMs, protoDuration } from './time';

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
      workflowExecutionRetentionPeriod: protoDuration(durationMs(NEW_NAMESPACE_RETENTION)),
    });
    logger.info({ namespace }, 'registered Temporal namespace');
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GrpcStatus.ALREADY_EXISTS)) throw err;
  }
}

const INDEXED_VALUE_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** Registers the custom search attributes the service uses, where they are missing. */
export async function ensureSearchAttributes(connection: TemporalServices, namespace: string, logger: Logger): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPES[key.type]!])),
    });
    logger.info({ namespace, searchAttributes: missing.map((key) => key.name) }, 'registered search attributes');
  } catch (err) {
    // Another process registered them first.
    if (!(isGrpcServiceError(err) && err.code === GrpcStatus.ALREADY_EXISTS)) throw err;
  }
}

/** Everything the service needs on its namespace; run by the API and the worker at start-up. */
export async function prepareNamespace(
  connection: TemporalServices,
  namespace: string,
  logger: Logger,
  { registerSearchAttributes = true }: { registerSearchAttributes?: boolean } = {},
): Promise<void> {
  await ensureNamespace(connection, namespace, logger);
  if (registerSearchAttributes) await ensureSearchAttributes(connection, namespace, logger);
}
