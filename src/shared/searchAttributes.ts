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

/** Every custom search attribute the service needs on its namespace. */
export const CUSTOM_SEARCH_ATTRIBUTES = [JOB_STATUS_SEARCH_ATTRIBUTE, TENANT_SEARCH_ATTRIBUTE];
