// Worker threads that decode and analyse pages: a task that takes too long ends its thread,
// a thread that crashes fails only its own task, and the lane works again afterwards.
import path from 'node:path';
import { AnalysisPool } from '../../src/ocr/analysisPool';
import type { AnalysisRequest, AnalysisResult } from '../../src/ocr/pageAnalysis';
import { ThreadFailure } from '../../src/ocr/threadLane';

const SCRIPT = path.join(__dirname, '../fixtures/threads/behaves.js');

/** A request the test thread understands, shaped like a page analysis request. */
function ask(behaviour: 'answer' | 'hang' | 'crash' | 'exit', value = 0): AnalysisRequest {
  const image = { data: new Uint8Array(4), width: 2, height: 2 };
  return { grey: image, smooth: { ...image, data: new Uint8Array(4) }, perspective: false, dewarp: false, unrule: false, invert: false, contrast: false, despeckle: false, behaviour, value } as AnalysisRequest;
}
const echoed = (result: AnalysisResult) => (result as unknown as { echoed: number }).echoed;

describe('page analysis threads', () => {
  let pool: AnalysisPool;
  afterEach(async () => {
    await pool.close();
  });

  test('when a task runs past the time limit, then it fails as a thread failure and the next task gets a new thread', async () => {
    pool = new AnalysisPool({ size: 1, timeoutMs: 3000, script: SCRIPT });

    const hung = await pool.analyse(ask('hang')).catch((err: unknown) => err);
    const after = await pool.analyse(ask('answer', 7));

    expect(hung).toBeInstanceOf(ThreadFailure);
    expect((hung as Error).message).toMatch(/took longer than 3000 ms/);
    expect(echoed(after)).toBe(7);
  });

  test('when one thread crashes, then only its own page fails and the pages on other threads are answered', async () => {
    pool = new AnalysisPool({ size: 3, timeoutMs: 60_000, script: SCRIPT });

    const outcomes = await Promise.allSettled([pool.analyse(ask('answer', 1)), pool.analyse(ask('crash')), pool.analyse(ask('answer', 3))]);

    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { echoed: 1 } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.any(ThreadFailure) });
    expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { echoed: 3 } });
  });

  test('when a thread exits under a task, then that task fails and the lane serves the next one', async () => {
    pool = new AnalysisPool({ size: 1, timeoutMs: 60_000, script: SCRIPT });

    const exited = await pool.analyse(ask('exit')).catch((err: unknown) => err);
    const after = await pool.analyse(ask('answer', 9));

    expect((exited as Error).message).toMatch(/exited with code 3/);
    expect(echoed(after)).toBe(9);
  });

  test('when a task waiting for a free thread is cancelled, then it stops waiting and the others go on', async () => {
    pool = new AnalysisPool({ size: 1, timeoutMs: 60_000, script: SCRIPT });
    const controller = new AbortController();
    const busy = pool.analyse(ask('answer', 1));
    const waiting = pool.analyse(ask('answer', 2), controller.signal);

    controller.abort(new Error('cancelled by the job'));

    await expect(waiting).rejects.toThrow('cancelled by the job');
    expect(echoed(await busy)).toBe(1);
    expect(echoed(await pool.analyse(ask('answer', 3)))).toBe(3);
  });
});
