// Zod schemas of what crosses the API/workflow boundary. The API validates requests with
// them; the workflow and activities use the inferred types only (no zod in the bundle).
import { z } from 'zod';

/** A language list as Tesseract names it: `eng`, `eng+fra`. */
export const languagesSchema = z
  .string()
  .regex(/^[a-z_]{3,16}(\+[a-z_]{3,16}){0,4}$/, 'languages look like "eng" or "eng+fra"')
  .transform((value) => value.split('+'));

export const jobOptionsSchema = z.strictObject({
  languages: languagesSchema.default(['eng']),
});
export type JobOptions = z.output<typeof jobOptionsSchema>;

export const documentSourceSchema = z.object({
  kind: z.literal('upload'),
  /** Blob store key of the uploaded bytes. */
  key: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  /** Media type detected from the bytes at upload. */
  mediaType: z.string(),
});
export type DocumentSource = z.infer<typeof documentSourceSchema>;

export const ocrJobInputSchema = z.object({
  jobId: z.string(),
  createdAt: z.iso.datetime(),
  source: documentSourceSchema,
  options: jobOptionsSchema,
});
export type OcrJobInput = z.infer<typeof ocrJobInputSchema>;
