import { LanePool } from './lanePool';
import type { AnalysisRequest, AnalysisResult } from './pageAnalysis';
import { threadScript } from './threads';

export interface AnalysisPoolOptions {
  size: number;
  /** Longest the analysis of one page may take before its thread is ended. */
  timeoutMs: number;
  /** The thread's script; tests give their own. */
  script?: string;
}

/**
 * Worker threads that run page analysis, so a big page's seconds of pixel work never stall
 * the worker's event loop. Each page has a thread to itself: one that crashes or runs out
 * of time fails that page only. Results come back transferred; pages go over copied
 * (sharp's buffers cannot be detached).
 */
export class AnalysisPool {
  private readonly lanes: LanePool;

  constructor({ size, timeoutMs, script }: AnalysisPoolOptions) {
    this.lanes = new LanePool(size, { script: script ?? threadScript('analysisThread.js'), name: 'page analysis', timeoutMs });
  }

  analyse(request: AnalysisRequest, signal?: AbortSignal): Promise<AnalysisResult> {
    // Only a buffer the pixels own alone can be transferred (not a slice of a shared pool).
    const own = (image: AnalysisRequest['grey']) =>
      image.data.byteOffset === 0 && image.data.buffer.byteLength === image.data.length
        ? image
        : { ...image, data: Uint8Array.from(image.data) };
    const owned = { ...request, grey: own(request.grey), smooth: own(request.smooth) };
    return this.lanes.run(async (lane) => {
      const answer = await lane.call<{ result?: AnalysisResult; error?: string }>({ request: owned }, [
        owned.grey.data.buffer as ArrayBuffer,
        owned.smooth.data.buffer as ArrayBuffer,
      ]);
      if (!answer.result) throw new Error(answer.error ?? 'page analysis failed');
      return answer.result;
    }, signal);
  }

  close(): Promise<void> {
    return this.lanes.close();
  }
}
