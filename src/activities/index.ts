import type { ActivityDeps } from './deps';
import { loadDocumentActivity } from './loadDocument';
import { preprocessPageActivity } from './preprocessPage';
import { recognizePageActivity } from './recognizePage';
import { storeResultActivity } from './storeResult';

export type { ActivityDeps } from './deps';

/** The step activities, bound to the worker's pool, blob store and limits. */
export function createActivities(deps: ActivityDeps) {
  return {
    loadDocument: loadDocumentActivity(deps),
    preprocessPage: preprocessPageActivity(deps),
    recognizePage: recognizePageActivity(deps),
    storeResult: storeResultActivity(deps),
  };
}

export type OcrActivities = ReturnType<typeof createActivities>;
