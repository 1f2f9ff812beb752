import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The job status as a custom search attribute: `GET /jobs?status=` filters on it, and
 * operators can in the Web UI (`OcrJobStatus = "ERROR"`). The service registers it itself.
 */
export const JOB_STATUS_SEARCH_ATTRIBUTE = defineSearchAttributeKey('OcrJobStatus', SearchAttributeType.KEYWORD);

/** Every custom search attribute the service needs on its namespace. */
export const CUSTOM_SEARCH_ATTRIBUTES = [JOB_STATUS_SEARCH_ATTRIBUTE];
