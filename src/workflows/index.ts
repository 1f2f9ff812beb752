// Entry point of the workflow bundle: every workflow the worker registers.
export { expireJobsWorkflow } from './expireJobs';
export { jobWebhooksWorkflow } from './jobWebhooks';
export { ocrJobWorkflow } from './ocrJob';
export { webhookDeliveryWorkflow } from './webhookDelivery';
export { ocrPagesWorkflow } from './ocrPages';
