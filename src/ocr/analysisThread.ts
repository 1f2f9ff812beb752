// Entry point of an analysis worker thread: analyses pages sent by the AnalysisPool.
import { parentPort } from 'node:worker_threads';
import { analysePage, type AnalysisRequest } from './pageAnalysis';

parentPort?.on('message', ({ id, request }: { id: number; request: AnalysisRequest }) => {
  try {
    const result = analysePage(request);
    parentPort?.postMessage({ id, result }, [result.grey.data.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ id, error: (err as Error).message });
  }
});
