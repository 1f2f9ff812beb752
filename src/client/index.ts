// `ocr-jobs/client`: the SDK's public surface.
export { OcrJobsClient, TERMINAL_STATUSES } from './client';
export type { DocumentInput, Job, JobStatus, JobSummary, ListOptions, OcrJobsClientOptions, OutputFormat, ResultAs, SubmitOptions, WaitOptions } from './client';
export { CLIENT_ERROR_CODES, OcrJobsError } from './errors';
export type { OcrJobsErrorFields } from './errors';
export type { RetryOptions } from './retry';
