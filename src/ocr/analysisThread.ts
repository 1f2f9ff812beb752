// Entry point of an analysis worker thread: analyses the pages an AnalysisPool sends, one at a time.
import { parentPort } from 'node:worker_threads';
import { analysePage, type AnalysisRequest } from './pageAnalysis';
import { lowerThisThread } from './priority';

lowerThisThread();

parentPort?.on('message', ({ request }: { request: AnalysisRequest }) => {
  try {
    const result = analysePage(request);
    parentPort?.postMessage({ result }, [result.grey.data.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ error: (err as Error).message });
  }
});
