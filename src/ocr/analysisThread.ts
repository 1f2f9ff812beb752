// Entry point of an analysis worker thread: takes first looks at and analyses the pages an
// AnalysisPool sends, one at a time.
import { parentPort } from 'node:worker_threads';
import { firstLook, type FirstLookRequest } from './firstLook';
import { analysePage, type AnalysisRequest } from './pageAnalysis';
import { lowerThisThread } from './priority';

lowerThisThread();

parentPort?.on('message', ({ request, look }: { request?: AnalysisRequest; look?: FirstLookRequest }) => {
  try {
    if (look) {
      const result = firstLook(look);
      parentPort?.postMessage({ result }, [result.page.data.buffer as ArrayBuffer]);
      return;
    }
    const result = analysePage(request!);
    parentPort?.postMessage({ result }, [result.grey.data.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ error: (err as Error).message });
  }
});
