// Response bodies of the HTTP API as zod schemas: the presenters build values of these
// types, and the OpenAPI document is generated from them.
import { z } from 'zod';
import 'zod-openapi';
import { CALLBACK_EVENT_SETS, JOB_EVENT_TYPES } from '../shared/events';
import { JOB_STATUSES, JOB_STEPS, PAGE_LAYOUTS, PAGE_READINGS, PAGE_SOURCES } from '../shared/jobs';
import { OUTPUT_FORMATS } from '../shared/schemas';

const timestamp = z.iso.datetime();

export const jobErrorSchema = z
  .object({
    code: z.string().meta({ description: 'Stable error code, see /docs/errors.', example: 'CORRUPT_DOCUMENT' }),
    message: z.string(),
    retryable: z.boolean().meta({ description: 'Whether submitting the same document again may succeed.' }),
    failedStep: z.enum(JOB_STEPS),
  })
  .meta({ id: 'JobError' });

export const pageResultSchema = z
  .object({
    page: z.number().int().min(1),
    text: z.string(),
    confidence: z.number().min(0).max(100).meta({ description: 'Mean word confidence, 0-100.' }),
    words: z.number().int().min(0),
    characters: z.number().int().min(0),
    width: z.number().int().min(0).meta({
      description: 'Width of the page as submitted, in pixels (after its EXIF orientation; a PDF page as rendered at its dpi).',
    }),
    height: z.number().int().min(0),
    orientation: z.number().int().meta({ description: 'Clockwise degrees the page was turned to stand upright: 0, 90, 180 or 270.' }),
    skew: z.number().meta({ description: 'Slope of the text lines that was corrected, in degrees.' }),
    layout: z.enum(PAGE_LAYOUTS).meta({
      description: 'How the text was ordered: one flow, columns one after another, or a table row by row.',
    }),
    reading: z.enum(PAGE_READINGS).meta({
      description: 'What was read: the prepared page, or the page as decoded, when preparing it made a weak reading and the plain one read better.',
    }),
    source: z.enum(PAGE_SOURCES).meta({
      description: 'Where the text came from: the PDF page\'s own text layer (PDF_TEXT), or OCR of the page image.',
    }),
    preprocessMs: z.number().int(),
    recognizeMs: z.number().int(),
  })
  .meta({ id: 'PageResult' });

export const pageErrorSchema = z
  .object({
    page: z.number().int().min(1),
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    failedStep: z.enum(JOB_STEPS),
  })
  .meta({ id: 'PageError', description: 'A page that failed after its retries.' });

export const jobResultSchema = z
  .object({
    text: z.string().meta({ description: 'The text of every page; pages are separated by a form feed.' }),
    confidence: z.number().min(0).max(100),
    characters: z.number().int().min(0),
    pageCount: z.number().int().min(0),
    engine: z.string().meta({ description: 'OCR engine and language data that produced the result.' }),
    pages: z.array(pageResultSchema),
  })
  .meta({ id: 'JobResult' });

export const jobLinksSchema = z
  .object({
    self: z.string(),
    result: z.string().meta({ description: 'The result in every produced format, once DONE.' }),
    cancel: z.string(),
    events: z.string().meta({ description: "The job's events as a live stream (text/event-stream)." }),
    temporalUi: z.string().meta({ description: "The job's workflow in the Temporal Web UI." }),
  })
  .meta({ id: 'JobLinks' });

export const jobSchema = z
  .object({
    jobId: z.string(),
    status: z.enum(JOB_STATUSES),
    progress: z.number().int().min(0).max(100).meta({ description: 'Never decreases; 100 once DONE.' }),
    step: z.enum(JOB_STEPS).nullable().meta({ description: 'The step running now.' }),
    live: z.boolean().meta({
      description: 'False when no worker answered and this is the last state the job recorded.',
    }),
    deadline: timestamp.meta({ description: 'When the job gives up (JOB_TIMEOUT), keeping the pages read by then.' }),
    retry: z
      .object({
        step: z.enum(JOB_STEPS),
        attempt: z.number().int().meta({ description: 'The attempt that comes next.' }),
        maxAttempts: z.number().int().meta({ description: '0 means no limit.' }),
        nextAttemptAt: timestamp.nullable(),
        lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
      })
      .nullable()
      .meta({ id: 'Retry', description: 'Set while status is RETRYING: a step failed and waits for its next attempt.' }),
    lastHeartbeatAt: timestamp.nullable().meta({ description: 'Last heartbeat of the running step.' }),
    stalled: z.boolean().meta({ description: "True when the running step's last heartbeat is older than its heartbeat timeout." }),
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .optional()
      .meta({ description: "The job's OpenTelemetry trace (the submit request's): the HTTP request, the workflow and every step attempt. Absent for jobs from before traces." }),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    updatedAt: timestamp,
    completedAt: timestamp.nullable(),
    document: z
      .object({ mediaType: z.string(), bytes: z.number().int(), pageCount: z.number().int() })
      .nullable(),
    pages: z.object({ total: z.number().int(), done: z.number().int(), failed: z.number().int() }),
    metadata: z.record(z.string(), z.string()).nullable(),
    outputs: z.array(z.enum(OUTPUT_FORMATS)),
    result: jobResultSchema.nullable(),
    error: jobErrorSchema.nullable(),
    pageErrors: z.array(pageErrorSchema).meta({ description: 'Pages that failed (PARTIAL_SUCCESS, or every page on ERROR).' }),
    timings: z.partialRecord(z.enum(JOB_STEPS), z.number().int()).meta({ description: 'Time spent per step, summed over pages, ms.' }),
    notifications: z
      .object({
        url: z.string(),
        events: z.enum(CALLBACK_EVENT_SETS),
        delivered: z.number().int(),
        pending: z.number().int(),
        failed: z.number().int(),
        lastAttemptAt: timestamp.nullable(),
        lastError: z.string().nullable(),
      })
      .nullable()
      .meta({ id: 'Notifications', description: "Webhooks to the job's callbackUrl: events delivered, waiting and given up; null without a callbackUrl." }),
    links: jobLinksSchema,
  })
  .meta({ id: 'Job' });
export type JobBody = z.infer<typeof jobSchema>;

const notificationsSchema = jobSchema.shape.notifications;

export const deliveryListSchema = z
  .object({
    notifications: notificationsSchema,
    items: z.array(
      z
        .object({
          deliveryId: z.string().meta({ description: 'The event\'s webhook-id, the same for every attempt and redelivery.' }),
          sequence: z.number().int(),
          type: z.enum(JOB_EVENT_TYPES),
          status: z.enum(['pending', 'delivered', 'failed']),
          attempts: z.array(
            z.object({
              at: timestamp,
              statusCode: z.number().int().nullable().meta({ description: "The receiver's HTTP status; null when it did not answer." }),
              durationMs: z.number().int().nullable(),
              error: z.string().nullable(),
            }),
          ),
          attemptCount: z.number().int(),
          reason: z.string().nullable().meta({ description: 'Why delivery stopped without success.' }),
        })
        .meta({ id: 'Delivery' }),
    ),
  })
  .meta({ id: 'DeliveryList' });

export const jobSummarySchema = jobSchema
  .pick({
    jobId: true,
    status: true,
    progress: true,
    createdAt: true,
    updatedAt: true,
    completedAt: true,
    metadata: true,
    links: true,
  })
  .meta({ id: 'JobSummary' });
export type JobSummaryBody = z.infer<typeof jobSummarySchema>;

export const jobListSchema = z
  .object({
    items: z.array(jobSummarySchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  })
  .meta({ id: 'JobList' });

export const problemSchema = z
  .object({
    type: z.string().meta({ example: '/docs/errors#JOB_NOT_FOUND' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

const bbox = z
  .object({ x0: z.number(), y0: z.number(), x1: z.number(), y1: z.number() })
  .meta({
    id: 'BoundingBox',
    description: 'In pixels of the page as submitted (after its EXIF orientation); (x0, y0) is the top left corner.',
  });
const word = z.object({ text: z.string(), confidence: z.number(), bbox });
const line = z.object({ text: z.string(), confidence: z.number(), bbox, words: z.array(word) });
const block = z.object({ text: z.string(), confidence: z.number(), bbox, lines: z.array(line) });

export const resultDocumentSchema = z
  .object({
    jobId: z.string(),
    confidence: z.number(),
    engine: z.string(),
    pages: z.array(
      z.object({
        page: z.number().int(),
        dpi: z.number().nullable().optional().meta({ description: 'Resolution a PDF page was rendered at (its boxes are pixels at it); null for images.' }),
        width: z.number().int(),
        height: z.number().int(),
        languages: z.array(z.string()),
        text: z.string(),
        confidence: z.number(),
        layout: z.enum(PAGE_LAYOUTS),
        reading: z.enum(PAGE_READINGS).optional(),
        source: z.enum(PAGE_SOURCES).optional(),
        engine: z.string().optional(),
        blocks: z.array(block),
        analysis: z
          .object({
            orientation: z.number(),
            orientationBy: z.enum(['lines', 'osd', 'none']),
            skew: z.number(),
            inverted: z.boolean(),
            largeTypePx: z.number().optional().meta({ description: 'Height of the large type (a headline) the page had, read a second time scaled down.' }),
            unruled: z.boolean().optional().meta({ description: 'True when ruled lines (table rules, underlines, boxes) were painted out before reading.' }),
            smoothed: z.boolean().optional().meta({ description: 'True when the page was noisy and was read from a smoothed copy.' }),
            invertedAreas: z.number().int().optional().meta({ description: 'Dark areas holding light text (title bars, buttons) turned dark on light.' }),
            blank: z.boolean().optional().meta({ description: 'True when the page held nothing to read; it was not recognised.' }),
            preparation: z
              .enum(['light', 'full'])
              .optional()
              .meta({ description: '`light`: a first look found the page clean and only its levels and size were set; `full`: it was analysed in full.' }),
            characterPx: z.number().nullable(),
            scale: z.number(),
            timingsMs: z.record(z.string(), z.number()),
          })
          .meta({ description: 'What preprocessing found and did to the page.' }),
        preprocessMs: z.number(),
        recognizeMs: z.number(),
      }),
    ),
    pageErrors: z.array(pageErrorSchema),
  })
  .meta({ id: 'ResultDocument', description: 'The result as pages, blocks, lines and words.' });

export const listQuerySchema = z.strictObject({
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(4096).optional(),
});
