// Entry point of the workflow bundle: every workflow the worker registers.
export { ocrJobWorkflow } from './ocrJob';
export { webhookDeliveryWorkflow } from './webhookDelivery';
