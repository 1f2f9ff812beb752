// Stable error codes. Job errors appear in `error.code` of a job; they are also the
// `type` of the ApplicationFailure an activity throws, so Temporal's retry policy can
// refuse to retry the non-retryable ones by name.

export const JobErrorCode = {
  /** The document's bytes are not a format we read. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The document claims a known format but cannot be decoded. */
  CORRUPT_DOCUMENT: 'CORRUPT_DOCUMENT',
  /** The document has more pixels than the configured limit. */
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
  /** Downloading `sourceUrl` failed (network, timeout, HTTP error); worth retrying. */
  SOURCE_UNAVAILABLE: 'SOURCE_UNAVAILABLE',
  /** `sourceUrl` points at (or redirects to) an address the service may not fetch. */
  SOURCE_FORBIDDEN: 'SOURCE_FORBIDDEN',
  /** The document at `sourceUrl` is larger than the upload limit. */
  SOURCE_TOO_LARGE: 'SOURCE_TOO_LARGE',
  /** `pages` asks for pages the document does not have. */
  PAGE_OUT_OF_RANGE: 'PAGE_OUT_OF_RANGE',
  /** The document (or the selected pages) has more pages than the configured limit. */
  TOO_MANY_PAGES: 'TOO_MANY_PAGES',
  /** The stored document is gone (deleted, or the blob store lost it). */
  SOURCE_MISSING: 'SOURCE_MISSING',
  /** A language that is not installed was asked for. */
  UNSUPPORTED_LANGUAGE: 'UNSUPPORTED_LANGUAGE',
  /** The OCR engine failed on a page. */
  OCR_FAILED: 'OCR_FAILED',
  /** A page kept the OCR engine busy past its budget (OCR_PAGE_TIMEOUT_MS); the engine was stopped. */
  OCR_TIMEOUT: 'OCR_TIMEOUT',
  /** A step did not finish or heartbeat within its timeout, on every attempt. */
  STEP_TIMEOUT: 'STEP_TIMEOUT',
  /** Reading or writing the blob store failed. */
  STORAGE_FAILED: 'STORAGE_FAILED',
  /** An operator terminated the job's workflow. */
  JOB_TERMINATED: 'JOB_TERMINATED',
  /** The job ran out of time as a whole. */
  JOB_TIMEOUT: 'JOB_TIMEOUT',
  /** Anything else; the worker log holds the detail. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;
export type JobErrorCode = (typeof JobErrorCode)[keyof typeof JobErrorCode];

/** Codes that describe the input itself: retrying the step cannot help. */
export const NON_RETRYABLE_JOB_ERRORS: readonly JobErrorCode[] = [
  JobErrorCode.SOURCE_FORBIDDEN,
  JobErrorCode.SOURCE_TOO_LARGE,
  JobErrorCode.PAGE_OUT_OF_RANGE,
  JobErrorCode.TOO_MANY_PAGES,
  JobErrorCode.UNSUPPORTED_MEDIA_TYPE,
  JobErrorCode.CORRUPT_DOCUMENT,
  JobErrorCode.IMAGE_TOO_LARGE,
  JobErrorCode.SOURCE_MISSING,
  JobErrorCode.UNSUPPORTED_LANGUAGE,
  JobErrorCode.OCR_TIMEOUT,
];
