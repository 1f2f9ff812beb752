// Zod schemas of what crosses the API/workflow boundary. The API validates requests with
// them; the workflow and activities use the inferred types only (no zod in the bundle).
import { z } from 'zod';
import { CALLBACK_EVENT_SETS } from './events';
import type { WebhookRetry } from './webhooks';

/** Result formats a job can produce; `text` and `json` always are. */
export const OUTPUT_FORMATS = ['text', 'json', 'hocr', 'pdf'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
const ALWAYS_PRODUCED: OutputFormat[] = ['text', 'json'];

const languageCode = z.string().regex(/^[a-z_]{3,16}$/, 'a Tesseract language code such as "eng"');

/**
 * `eng`, `eng+fra`, or (in JSON) `["eng", "fra"]`. A space separates too: in a query string
 * an unescaped `+` arrives as one.
 */
export const languagesSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.trim().split(/[+\s]+/)))
  .pipe(z.array(languageCode).min(1).max(5))
  .meta({ description: 'Languages to read, joined by "+" (e.g. "eng+fra").', example: 'eng' });

export interface PageRange {
  from: number;
  to: number;
}

/** `1-3,5`: pages 1, 2, 3 and 5 (1-based, inclusive). */
export const pageRangesSchema = z
  .string()
  .trim()
  .regex(/^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?){0,99}$/, 'pages look like "1-3,5"')
  .transform((value): PageRange[] =>
    value.split(',').map((part) => {
      const [from, to = from] = part.split('-').map(Number) as [number, number?];
      return { from, to };
    }),
  )
  .refine((ranges) => ranges.every((r) => r.from >= 1 && r.from <= r.to), 'page ranges start at 1 and go upwards')
  .meta({ description: 'Pages to read, 1-based ranges (e.g. "1-3,5"). Default: every page.', example: '1-3,5' });

/** `text,hocr` or (in JSON) `["text", "hocr"]`; text and json are always produced. */
export const outputsSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.enum(OUTPUT_FORMATS)).max(OUTPUT_FORMATS.length))
  .transform((formats) => [...new Set([...ALWAYS_PRODUCED, ...formats])])
  .meta({ description: 'Result formats to produce: text, json (always), hocr, pdf.', example: 'text,hocr' });

const URL_MAX_LENGTH = 2048;
/** An http(s) URL; the length is checked first, so a long one is told so. */
const httpUrl = z
  .string()
  .max(URL_MAX_LENGTH, `at most ${URL_MAX_LENGTH} characters`)
  .pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }));

const METADATA_MAX_KEYS = 16;
const metadataRecord = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'keys are 1-64 letters, digits, "_", "." or "-"'), z.string().max(256))
  .refine((record) => Object.keys(record).length <= METADATA_MAX_KEYS, `at most ${METADATA_MAX_KEYS} keys`);

/** Small client key/values kept with the job; a JSON object, or its text in a form field. */
export const metadataSchema = z
  .union([
    z.string().transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'metadata must be a JSON object of strings' });
        return z.NEVER;
      }
    }),
    z.record(z.string(), z.unknown()),
  ])
  .pipe(metadataRecord)
  .meta({ description: 'Up to 16 string key/values returned on every read of the job.', example: { customer: '42' } });

export const jobOptionsSchema = z.strictObject({
  languages: languagesSchema.default(['eng']),
  pages: pageRangesSchema.optional(),
  outputs: outputsSchema.default([...ALWAYS_PRODUCED]),
  callbackUrl: httpUrl
    .optional()
    .meta({ description: 'Where the job\'s end is sent as a signed webhook (Standard Webhooks); must reach a public address unless CALLBACK_URL_ALLOWLIST names it.' }),
  callbackEvents: z
    .enum(CALLBACK_EVENT_SETS)
    .optional()
    .meta({ description: 'Which events go to callbackUrl: `terminal` (the default: only the last) or `all`.' }),
  metadata: metadataSchema.optional(),
  deadline: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'When to give up: the job then ends ERROR with JOB_TIMEOUT, keeping the pages read.' }),
  timeoutSeconds: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'The deadline as seconds from now; instead of `deadline`.' }),
});
export type JobOptions = z.output<typeof jobOptionsSchema>;

/** `POST /jobs` with a JSON body: the document is fetched from `sourceUrl` by the worker. */
export const sourceUrlRequestSchema = jobOptionsSchema.extend({
  sourceUrl: httpUrl.meta({ description: 'Where the worker downloads the document from.', example: 'https://example.com/scan.png' }),
});

export const uploadSourceSchema = z.object({
  kind: z.literal('upload'),
  /** Blob store key of the document's bytes. */
  key: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  /** Media type detected from the bytes. */
  mediaType: z.string(),
});
export type UploadSource = z.infer<typeof uploadSourceSchema>;

export const urlSourceSchema = z.object({
  kind: z.literal('url'),
  url: z.string(),
});
export type UrlSource = z.infer<typeof urlSourceSchema>;

export type DocumentSource = UploadSource | UrlSource;

export interface OcrJobInput {
  jobId: string;
  /** Whose job it is; absent for jobs submitted without tenants. */
  tenant?: string | undefined;
  /** How the webhook to `options.callbackUrl` is retried (set when there is one). */
  webhookRetry?: WebhookRetry | undefined;
  createdAt: string;
  /** When the job gives up (absolute, ISO 8601), from the options and the configured limits. */
  deadline: string;
  source: DocumentSource;
  options: JobOptions;
}
