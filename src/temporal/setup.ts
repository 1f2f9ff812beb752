import { status as GrpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../shared/searchAttributes';
import { durationMs, protoDuration } from './time';

const DAY_MS = durationMs('1 day');

/**
 * How long Temporal must keep closed jobs: RETENTION_DAYS and a day. The retention sweep
 * finds them in visibility, an hour apart, so it must see them past their expiry.
 */
const closedJobsKeptMs = (retentionDays: number) => (retentionDays + 1) * DAY_MS;

/** Either kind of connection (client or worker): both expose the raw services. */
interface TemporalServices {
  workflowService: temporal.api.workflowservice.v1.WorkflowService;
  operatorService: temporal.api.operatorservice.v1.OperatorService;
}

/**
 * Makes sure the namespace exists, creating it when it does not (a plain dev server or a
 * fresh cluster has only `default`). Safe to run from every process at every start.
 */
export async function ensureNamespace(connection: TemporalServices, namespace: string, logger: Logger, retentionDays = 7): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GrpcStatus.NOT_FOUND)) throw err;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: protoDuration(closedJobsKeptMs(retentionDays)),
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

/** The type names the Temporal CLI takes. */
const CLI_TYPES: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/**
 * The namespace lacks what the service needs and the service may not (TEMPORAL_SETUP=off) or
 * cannot (no operator rights) add it; the message names what is missing and how to add it.
 */
export class TemporalSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalSetupError';
  }
}

/** How the service treats its namespace at start: `auto` registers what is missing, `off` only checks. */
export type TemporalSetupMode = 'auto' | 'off';

const isPermissionDenied = (err: unknown) => isGrpcServiceError(err) && err.code === GrpcStatus.PERMISSION_DENIED;

function missingSearchAttributesError(namespace: string, missing: typeof CUSTOM_SEARCH_ATTRIBUTES): TemporalSetupError {
  const commands = missing.map((key) => `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${CLI_TYPES[key.type]}`);
  return new TemporalSetupError(
    `namespace ${namespace} lacks the search attributes ${missing.map((key) => key.name).join(', ')}; an operator registers them with:\n  ${commands.join('\n  ')}`,
  );
}

/** The custom search attributes the service uses that the namespace lacks. */
async function missingSearchAttributes(connection: TemporalServices, namespace: string): Promise<typeof CUSTOM_SEARCH_ATTRIBUTES> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return CUSTOM_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (customAttributes ?? {})));
}

/**
 * Registers the custom search attributes the service uses, where they are missing. Without
 * the rights to, fails naming those still missing (none missing, nothing is asked).
 */
export async function ensureSearchAttributes(connection: TemporalServices, namespace: string, logger: Logger): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPES[key.type]!])),
    });
    logger.info({ namespace, searchAttributes: missing.map((key) => key.name) }, 'registered search attributes');
  } catch (err) {
    if (isPermissionDenied(err)) throw missingSearchAttributesError(namespace, missing);
    // Another process registered them first.
    if (!(isGrpcServiceError(err) && err.code === GrpcStatus.ALREADY_EXISTS)) throw err;
  }
}

/** Fails naming the namespace when it does not exist. */
async function checkNamespace(connection: TemporalServices, namespace: string): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GrpcStatus.NOT_FOUND)) throw err;
    throw new TemporalSetupError(`namespace ${namespace} does not exist; an operator creates it with: temporal operator namespace create --namespace ${namespace}`);
  }
}

/**
 * Everything the service needs on its namespace; run by the API and the worker at start-up.
 * `auto` registers the namespace and the search attributes where they are missing; where the
 * server does not allow it, the service goes on if they exist. `off` registers nothing and
 * checks. Either way a namespace or search attribute still missing is a TemporalSetupError.
 */
export async function prepareNamespace(
  connection: TemporalServices,
  namespace: string,
  logger: Logger,
  { setup, retentionDays, embedded = false }: { setup: TemporalSetupMode; retentionDays?: number; embedded?: boolean },
): Promise<void> {
  await prepareNamespaceAndAttributes(connection, namespace, logger, setup, retentionDays);
  if (retentionDays !== undefined) await checkRetention(connection, namespace, logger, retentionDays, embedded && setup === 'auto');
}

async function prepareNamespaceAndAttributes(
  connection: TemporalServices,
  namespace: string,
  logger: Logger,
  setup: TemporalSetupMode,
  retentionDays: number | undefined,
): Promise<void> {
  if (setup === 'auto') {
    try {
      await ensureNamespace(connection, namespace, logger, retentionDays);
    } catch (err) {
      if (!isPermissionDenied(err)) throw err;
      logger.warn({ namespace }, 'not allowed to register namespaces; using the namespace as it is');
      await checkNamespace(connection, namespace);
    }
    await ensureSearchAttributes(connection, namespace, logger);
    return;
  }
  await checkNamespace(connection, namespace);
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length) throw missingSearchAttributesError(namespace, missing);
}

/**
 * Checks that Temporal keeps closed jobs long enough for the retention sweep to expire them
 * (RETENTION_DAYS and a day). The embedded dev server's namespace is ours to change; any
 * other is the operator's, who is told what to run.
 */
async function checkRetention(connection: TemporalServices, namespace: string, logger: Logger, retentionDays: number, mayChange: boolean): Promise<void> {
  const needed = closedJobsKeptMs(retentionDays);
  const { config } = await connection.workflowService.describeNamespace({ namespace });
  const ttl = config?.workflowExecutionRetentionTtl;
  const kept = ttl ? Number(ttl.seconds ?? 0) * 1000 + Math.floor((ttl.nanos ?? 0) / 1e6) : 0;
  if (kept >= needed) return;
  if (mayChange) {
    await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: protoDuration(needed) } });
    logger.info({ namespace, retentionHours: needed / 3_600_000 }, 'set the namespace retention to RETENTION_DAYS and a day');
    return;
  }
  logger.warn(
    { namespace, namespaceRetentionHours: kept / 3_600_000, retentionDays },
    `namespace ${namespace} forgets closed jobs before RETENTION_DAYS and a day, so the retention sweep may miss some and their blobs stay; ` +
      `an operator sets it with: temporal operator namespace update --namespace ${namespace} --retention ${Math.ceil(needed / 3_600_000)}h`,
  );
}
