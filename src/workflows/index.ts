// Entry point of the workflow bundle: every workflow the worker registers.
export { jobWebhooksWorkflow } from './jobWebhooks';
export { ocrJobWorkflow } from './ocrJob';
export { webhookDeliveryWorkflow } from './webhookDelivery';
