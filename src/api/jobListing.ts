import { createHash } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Config } from '../config';
import { JOB_STATE_MEMO_KEY, TENANT_MEMO_KEY, type JobState, type JobStatus } from '../shared/jobs';
import { JOB_STATUS_SEARCH_ATTRIBUTE, TENANT_SEARCH_ATTRIBUTE } from '../shared/searchAttributes';
import { jobKeys, type BlobStore } from '../storage/blobStore';
import { withDeadline } from '../temporal/connection';
import { endedAbruptly } from './jobStatus';
import { ApiError } from './problems';

export interface JobPage {
  jobs: JobState[];
  nextCursor: string | null;
}

export interface ListRequest {
  status?: JobStatus | undefined;
  limit: number;
  cursor?: string | undefined;
  /** Whose jobs: a tenant's only, or every job on an open API. */
  reader: string | undefined;
}

export interface JobListingDeps {
  client: Client;
  config: Config;
  blobs: BlobStore;
}

/** Where the last page ended: the start time of its last job, and the jobs of that instant already listed. */
interface Cursor {
  startedAt: string;
  ids: string[];
}

interface Listed {
  state: JobState;
  tenant: string | undefined;
  startedAt: string;
}

/** The first window of start times looked at, and how much it widens each time it holds too few jobs. */
const FIRST_WINDOW_MS = 1000;
const WIDEN = 8;
/** Statuses a job records in its search attribute; RETRYING is only seen on a job's own read. */
const RECORDED_STATUSES: ReadonlySet<JobStatus> = new Set(['PENDING', 'PROCESSING', 'DONE', 'PARTIAL_SUCCESS', 'ERROR', 'CANCELLED']);

/**
 * Jobs newest first (by the start of their workflow), from Temporal visibility. Visibility
 * on SQL stores cannot order by start time (running workflows come first, then closed ones
 * by close time), so the listing looks at a window of start times that it widens until it
 * holds a page, reads that window whole and orders it itself. A cursor is the start time
 * where the last page ended. Deleted jobs are left out.
 */
export async function listJobs(deps: JobListingDeps, { status, limit, cursor, reader }: ListRequest): Promise<JobPage> {
  if (status !== undefined && !RECORDED_STATUSES.has(status)) {
    throw ApiError.validation([
      {
        field: 'query.status',
        message: `${status} is a passing state of a running job, shown on the job's own read; list PROCESSING jobs instead`,
      },
    ]);
  }
  const after = cursor === undefined ? null : decodeCursor(cursor);
  const filters = [`WorkflowType = 'ocrJobWorkflow'`];
  // Tenant ids are lower-case letters, digits and dashes: nothing to escape.
  if (reader !== undefined) filters.push(`${TENANT_SEARCH_ATTRIBUTE.name} = '${reader}'`);
  if (status) filters.push(`${JOB_STATUS_SEARCH_ATTRIBUTE.name} = '${status}'`);
  if (after) filters.push(`StartTime <= '${after.startedAt}'`);
  const query = filters.join(' AND ');

  const total = await count(deps, query);
  const newest = after ? Date.parse(after.startedAt) : Date.now();
  for (let width = FIRST_WINDOW_MS; ; width *= WIDEN) {
    const from = Math.max(0, newest - width);
    const windowQuery = `${query} AND StartTime >= '${new Date(from).toISOString()}'`;
    const inWindow = await count(deps, windowQuery);
    const whole = inWindow >= total || from === 0;
    // Skip reading a window that cannot fill the page yet.
    if (!whole && inWindow <= limit + (after?.ids.length ?? 0)) continue;
    const listed = (await listAll(deps, windowQuery)).filter((job) => !alreadyListed(job, after));
    const kept: Listed[] = [];
    for (const job of listed) {
      if (!(await deps.blobs.exists(jobKeys.tombstone({ jobId: job.state.jobId, tenant: job.tenant })))) kept.push(job);
    }
    if (kept.length <= limit && !whole) continue;
    const page = kept.slice(0, limit);
    const more = kept.length > limit || !whole;
    return { jobs: page.map((job) => job.state), nextCursor: more && page.length ? encodeCursor(cursorAfter(page, after)) : null };
  }
}

async function count({ client, config }: JobListingDeps, query: string): Promise<number> {
  const { count: found } = await withDeadline(client, config.temporal.rpcTimeoutMs, () => client.workflow.count(query));
  return found;
}

/** Every job the query matches, newest first. */
async function listAll({ client, config }: JobListingDeps, query: string): Promise<Listed[]> {
  const jobs: Listed[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const response = await withDeadline(client, config.temporal.rpcTimeoutMs, () =>
      client.workflowService.listWorkflowExecutions({ namespace: config.temporal.namespace, pageSize: 1000, query, nextPageToken }),
    ).catch((err: unknown) => {
      if (isGrpcServiceError(err) && err.code === GrpcStatus.INVALID_ARGUMENT) {
        throw ApiError.validation([{ field: 'query.cursor', message: 'not a cursor this API gave out' }]);
      }
      throw err;
    });
    for (const execution of response.executions ?? []) {
      const state = listedState(execution);
      if (state && execution.startTime) jobs.push({ state, tenant: listedTenant(execution), startedAt: timestampText(execution.startTime) });
    }
    nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
  } while (nextPageToken);
  return jobs.sort((a, b) => compareText(b.startedAt, a.startedAt) || compareText(b.state.jobId, a.state.jobId));
}

function alreadyListed(job: Listed, after: Cursor | null): boolean {
  return after !== null && job.startedAt === after.startedAt && after.ids.includes(job.state.jobId);
}

function cursorAfter(page: Listed[], after: Cursor | null): Cursor {
  const startedAt = page.at(-1)!.startedAt;
  const ids = page.filter((job) => job.startedAt === startedAt).map((job) => job.state.jobId);
  // Jobs of that instant listed on earlier pages stay listed.
  if (after?.startedAt === startedAt) ids.push(...after.ids);
  return { startedAt, ids };
}

const ExecutionStatus = temporal.api.enums.v1.WorkflowExecutionStatus;

/** A listed job's state: the memo it recorded, corrected for workflows that ended abruptly. */
function listedState(execution: temporal.api.workflow.v1.IWorkflowExecutionInfo): JobState | null {
  const payload = execution.memo?.fields?.[JOB_STATE_MEMO_KEY];
  if (!payload) return null;
  const recorded = defaultPayloadConverter.fromPayload<JobState>(payload);
  const closedAt = execution.closeTime ? timestampText(execution.closeTime) : recorded.updatedAt;
  switch (execution.status) {
    case ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED:
      return { ...recorded, status: 'CANCELLED' };
    case ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED:
      return endedAbruptly(recorded, closedAt, { code: 'JOB_TERMINATED', message: 'terminated by an operator' });
    case ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      return endedAbruptly(recorded, closedAt, { code: 'JOB_TIMEOUT', message: 'timed out' });
    default:
      return recorded;
  }
}

function listedTenant(execution: temporal.api.workflow.v1.IWorkflowExecutionInfo): string | undefined {
  const payload = execution.memo?.fields?.[TENANT_MEMO_KEY];
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
}

/** A protobuf timestamp as RFC 3339 text with nanoseconds, exactly as visibility compares it. */
function timestampText({ seconds, nanos }: { seconds?: number | { toString(): string } | null; nanos?: number | null }): string {
  const whole = new Date(Number(String(seconds ?? 0)) * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(nanos ?? 0).padStart(9, '0')}Z`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A cursor carries a check sum, so a mangled one is a 400, not a visibility error. */
function encodeCursor(cursor: Cursor): string {
  const text = Buffer.from(JSON.stringify(cursor)).toString('base64url');
  return `${text}.${checksum(text)}`;
}

function decodeCursor(value: string): Cursor {
  const [text = '', check] = value.split('.');
  const invalid = () => ApiError.validation([{ field: 'query.cursor', message: 'not a cursor this API gave out' }]);
  if (!text || check !== checksum(text)) throw invalid();
  const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(cursor.startedAt) || !Array.isArray(cursor.ids)) throw invalid();
  return cursor;
}

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
