import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The job status as a custom search attribute: `GET /jobs?status=` filters on it, and
 * operators can in the Web UI (`OcrJobStatus = "ERROR"`). The service registers it itself.
 */
export const JOB_STATUS_SEARCH_ATTRIBUTE = defineSearchAttributeKey('OcrJobStatus', SearchAttributeType.KEYWORD);

/**
 * The tenant a job belongs to (absent for jobs without one): `GET /jobs` lists only the
 * caller's, and operators filter by it in the Web UI (`OcrTenant = "acme"`).
 */
export const TENANT_SEARCH_ATTRIBUTE = defineSearchAttributeKey('OcrTenant', SearchAttributeType.KEYWORD);

/** The document's media type as detected from its bytes (`OcrMediaType = "application/pdf"`). */
export const MEDIA_TYPE_SEARCH_ATTRIBUTE = defineSearchAttributeKey('OcrMediaType', SearchAttributeType.KEYWORD);
/** The pages the job reads, once its document is loaded (`OcrPageCount > 100`). */
export const PAGE_COUNT_SEARCH_ATTRIBUTE = defineSearchAttributeKey('OcrPageCount', SearchAttributeType.INT);
/** The job's error code once it ended ERROR (`OcrErrorCode = "OCR_TIMEOUT"`). */
export const ERROR_CODE_SEARCH_ATTRIBUTE = defineSearchAttributeKey('OcrErrorCode', SearchAttributeType.KEYWORD);
/** The X-Request-Id of the submit, so a request in the API's log leads to its job. */
export const REQUEST_ID_SEARCH_ATTRIBUTE = defineSearchAttributeKey('OcrRequestId', SearchAttributeType.KEYWORD);

/** Every custom search attribute the service needs on its namespace. */
export const CUSTOM_SEARCH_ATTRIBUTES = [
  JOB_STATUS_SEARCH_ATTRIBUTE,
  TENANT_SEARCH_ATTRIBUTE,
  MEDIA_TYPE_SEARCH_ATTRIBUTE,
  PAGE_COUNT_SEARCH_ATTRIBUTE,
  ERROR_CODE_SEARCH_ATTRIBUTE,
  REQUEST_ID_SEARCH_ATTRIBUTE,
];
