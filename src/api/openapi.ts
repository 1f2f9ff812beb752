import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { createDocument, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { PROJECT_ROOT } from '../paths';
import { JOB_STATUSES } from '../shared/jobs';
import { jobOptionsSchema, sourceUrlRequestSchema } from '../shared/schemas';
import { deliveryListSchema, jobListSchema, jobSchema, listQuerySchema, problemSchema, resultDocumentSchema } from './schemas';

const version = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});

const retryAfter = z.string().meta({ description: 'Seconds until polling again is worth it, derived from the job.' });
const etag = z.string().meta({ description: 'Tag of this representation; send it back in If-None-Match.' });
const traceparent = z.string().meta({ description: "W3C Trace Context of this request's span; its trace id is the job's traceId." });

const jobPath = z.object({ jobId: z.string().meta({ description: 'The job id from the submit.' }) });

const commonErrors: ZodOpenApiResponsesObject = {
  '401': problem('No valid API key or token (when the API has tenants); see WWW-Authenticate'),
  '503': problem('Temporal cannot be reached; retry after Retry-After seconds'),
};

const binary = z.string().meta({ format: 'binary' });

/** The OpenAPI 3.1 document of the API, generated from the same zod schemas that validate it. */
export function openApiDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'ocr-jobs',
      version,
      description:
        'Asynchronous OCR jobs. Submit a document, get 202 and a job to poll; every job runs as a Temporal workflow. Errors are RFC 9457 problem details, catalogued at /docs/errors. With tenants configured, every /jobs request carries an API key (Authorization: Bearer or X-API-Key) or a JWT of the identity provider, and sees only its tenant\'s jobs.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (ocr_…) or a JWT of the identity provider.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    // An API that runs open (loopback, or AUTH=none) asks for nothing.
    security: [{ bearer: [] }, { apiKey: [] }, {}],
    paths: {
      '/jobs': {
        post: {
          operationId: 'submitJob',
          summary: 'Submit a document',
          description:
            'The document comes as multipart field `file` (options as form fields), as the raw body with its content type (options as query parameters), or by reference as JSON with `sourceUrl`. `Prefer: wait=N` holds the answer up to N seconds (capped by PREFER_WAIT_MAX_SECONDS) and answers 200 if the job ended by then.',
          requestParams: {
            header: z.object({
              'idempotency-key': z.string().optional().meta({ description: 'Same key, same job.' }),
              prefer: z.string().optional().meta({ description: 'respond-async and/or wait=N (RFC 7240).' }),
              traceparent: z.string().optional().meta({ description: "W3C Trace Context: the job's trace continues the caller's." }),
            }),
            query: jobOptionsSchema,
          },
          requestBody: {
            content: {
              'multipart/form-data': { schema: jobOptionsSchema.extend({ file: binary }) },
              'image/*': { schema: binary },
              'application/pdf': { schema: binary },
              'application/octet-stream': { schema: binary },
              'application/json': { schema: sourceUrlRequestSchema },
            },
          },
          responses: {
            '202': {
              description: 'Accepted: the document is stored and the job has started',
              headers: z.object({ Location: z.string(), 'Retry-After': retryAfter, ETag: etag, traceparent }),
              content: { 'application/json': { schema: jobSchema } },
            },
            '200': {
              description: 'With Prefer: wait=N, the job ended within N seconds',
              headers: z.object({ Location: z.string(), 'Content-Location': z.string(), ETag: etag, traceparent }),
              content: { 'application/json': { schema: jobSchema } },
            },
            '400': problem('Invalid options or request'),
            '413': problem('The document is larger than MAX_UPLOAD_BYTES'),
            '415': problem('Not a supported document'),
            '422': problem('The Idempotency-Key was used for a different request'),
            '429': problem('RATE_LIMITED: over the tenant\'s submit rate, or TOO_MANY_ACTIVE_JOBS; retry after Retry-After seconds'),
            ...commonErrors,
            '503': problem('OVERLOADED (too many pages waiting, or uploads being received) or Temporal unreachable; no job was started; retry after Retry-After seconds'),
          },
        },
        get: {
          operationId: 'listJobs',
          summary: 'List jobs, newest first',
          requestParams: { query: listQuerySchema },
          responses: {
            '200': { description: 'A page of jobs', content: { 'application/json': { schema: jobListSchema } } },
            '400': problem('Invalid query'),
            ...commonErrors,
          },
        },
      },
      '/jobs/{jobId}': {
        get: {
          operationId: 'getJob',
          summary: 'Read a job',
          requestParams: { path: jobPath, header: z.object({ 'if-none-match': z.string().optional() }) },
          responses: {
            '200': {
              description: `The job; status is one of ${JOB_STATUSES.join(', ')}`,
              headers: z.object({ ETag: etag, 'Retry-After': retryAfter.optional() }),
              content: { 'application/json': { schema: jobSchema } },
            },
            '304': { description: 'Unchanged since the ETag sent in If-None-Match' },
            '404': problem('No such job'),
            '410': problem('The job was deleted (JOB_DELETED) or has expired (JOB_EXPIRED)'),
            ...commonErrors,
          },
        },
        delete: {
          operationId: 'deleteJob',
          summary: "Delete a finished job's document and results",
          requestParams: { path: jobPath },
          responses: {
            '204': { description: 'Deleted; reads now answer 410' },
            '404': problem('No such job'),
            '409': problem('The job is still running'),
            '410': problem('Already deleted'),
            ...commonErrors,
          },
        },
      },
      '/jobs/{jobId}/cancel': {
        post: {
          operationId: 'cancelJob',
          summary: 'Cancel a job',
          description: 'Running steps stop at their next heartbeat; the job ends CANCELLED. Cancelling twice is harmless.',
          requestParams: { path: jobPath },
          responses: {
            '202': { description: 'Cancellation requested', content: { 'application/json': { schema: jobSchema } } },
            '404': problem('No such job'),
            '409': problem('The job has already finished'),
            '410': problem('The job was deleted (JOB_DELETED) or has expired (JOB_EXPIRED)'),
            ...commonErrors,
          },
        },
      },
      '/jobs/{jobId}/result': {
        get: {
          operationId: 'getJobResult',
          summary: 'The result, in a format chosen by ?format= or Accept',
          requestParams: {
            path: jobPath,
            query: z.object({ format: z.enum(['text', 'json', 'hocr', 'pdf']).optional() }),
          },
          responses: {
            '200': {
              description: 'The result',
              headers: z.object({ ETag: etag }),
              content: {
                'application/json': { schema: resultDocumentSchema },
                'text/plain': { schema: z.string() },
                'text/html': { schema: z.string().meta({ description: 'hOCR' }) },
                'application/pdf': { schema: binary },
              },
            },
            '303': {
              description: 'With RESULT_REDIRECT=presigned: the result is at the presigned URL in Location',
              headers: z.object({ Location: z.string().meta({ description: 'A presigned URL of the result, valid for RESULT_REDIRECT_EXPIRES_SECONDS' }) }),
            },
            '404': problem('No such job'),
            '406': problem('The job did not produce that format'),
            '409': problem('The job has not finished (see Retry-After), or ended without a result'),
            '410': problem('The job was deleted (JOB_DELETED) or has expired (JOB_EXPIRED)'),
            ...commonErrors,
          },
        },
      },
      '/jobs/{jobId}/events': {
        get: {
          operationId: 'streamJobEvents',
          summary: "The job's events as Server-Sent Events",
          description:
            'Each event has `id:` (its sequence number), `event:` (job.processing, job.page.done, job.retrying, job.done, job.partial_success, job.error, job.cancelled) and JSON `data:` ({type, timestamp, sequence, data}: the job without result text). A comment every 15 s; the stream ends after the last event. A finished job sends its last event at once. Resume with Last-Event-ID (or ?lastEventId=).',
          requestParams: {
            path: jobPath,
            header: z.object({ 'last-event-id': z.string().optional().meta({ description: 'Resume after this event.' }) }),
            query: z.object({ lastEventId: z.string().optional().meta({ description: 'As Last-Event-ID, for clients that cannot set headers.' }) }),
          },
          responses: {
            '200': { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } },
            '400': problem('Last-Event-ID is not an event id'),
            '404': problem('No such job'),
            '410': problem('The job was deleted (JOB_DELETED) or has expired (JOB_EXPIRED)'),
            ...commonErrors,
          },
        },
      },
      '/jobs/{jobId}/deliveries': {
        get: {
          operationId: 'listJobDeliveries',
          summary: "Webhooks sent to the job's callbackUrl, with every attempt",
          requestParams: { path: jobPath },
          responses: {
            '200': { description: 'The deliveries', content: { 'application/json': { schema: deliveryListSchema } } },
            '404': problem('No such job'),
            '410': problem('The job was deleted (JOB_DELETED) or has expired (JOB_EXPIRED)'),
            ...commonErrors,
          },
        },
      },
      '/jobs/{jobId}/deliveries/{deliveryId}/redeliver': {
        post: {
          operationId: 'redeliverWebhook',
          summary: 'Send one event to the callbackUrl again, with the same webhook-id',
          requestParams: { path: jobPath.extend({ deliveryId: z.string().meta({ description: 'A deliveryId from the deliveries list.' }) }) },
          responses: {
            '202': {
              description: 'Queued after any delivery of the job still under way',
              content: {
                'application/json': {
                  schema: z.object({ deliveryId: z.string(), status: z.literal('pending'), links: z.object({ deliveries: z.string() }) }),
                },
              },
            },
            '404': problem('No such job, or no such delivery'),
            '410': problem('The job was deleted (JOB_DELETED) or has expired (JOB_EXPIRED)'),
            ...commonErrors,
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'The process is alive',
          security: [],
          responses: { '200': { description: 'Alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          summary: 'Temporal is reachable',
          security: [],
          responses: {
            '200': { description: 'Ready', content: { 'application/json': { schema: z.object({ status: z.literal('ready') }) } } },
            '503': problem('Temporal cannot be reached'),
          },
        },
      },
    },
  });
}
