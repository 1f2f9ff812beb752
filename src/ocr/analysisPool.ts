import type { Grey } from './imaging';
import { LanePool } from './lanePool';
import type { FirstLook, FirstLookRequest } from './firstLook';
import type { AnalysisRequest, AnalysisResult } from './pageAnalysis';
import { threadScript } from './threads';

/** The image itself when its buffer is its own (so it can be transferred), else a copy: a slice of a shared pool cannot be. */
function own(image: Grey): Grey {
  return image.data.byteOffset === 0 && image.data.buffer.byteLength === image.data.length ? image : { ...image, data: Uint8Array.from(image.data) };
}

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
    const owned = { ...request, grey: own(request.grey), smooth: own(request.smooth) };
    return this.call<AnalysisResult>({ request: owned }, [owned.grey, owned.smooth], signal);
  }

  /**
   * A first look at a page (see firstLook.ts). The page's pixels go over and come back in
   * the answer's `page`; the caller's `page` may be left detached.
   */
  look(request: FirstLookRequest, signal?: AbortSignal): Promise<FirstLook> {
    const owned = { page: own(request.page), small: own(request.small) };
    return this.call<FirstLook>({ look: owned }, [owned.page, owned.small], signal);
  }

  private call<T>(message: unknown, images: Grey[], signal?: AbortSignal): Promise<T> {
    return this.lanes.run(async (lane) => {
      const answer = await lane.call<{ result?: T; error?: string }>(
        message,
        images.map((image) => image.data.buffer as ArrayBuffer),
      );
      if (!answer.result) throw new Error(answer.error ?? 'page analysis failed');
      return answer.result;
    }, signal);
  }

  close(): Promise<void> {
    return this.lanes.close();
  }
}
