// 4. Orchestration overhead: one-page jobs one at a time, submit to DONE, minus the OCR time
// the worker measured for the page.
import { renderText } from '../../test/helpers/images';
import { pollUntilDone, submit, submitAndWait } from '../lib/jobs';
import { startStack } from '../lib/stack';
import { percentile, round } from '../lib/stats';

export async function overhead(jobs: number) {
  const page = await renderText({ lines: ['One line to read, one job at a time'] });
  const stack = await startStack({ workers: 1, poolSize: 1 });
  try {
    await submitAndWait(stack.api, page, 'image/png');
    const polled: number[] = [];
    const waited: number[] = [];
    for (let i = 0; i < jobs; i++) {
      let started = performance.now();
      const accepted = await submit(stack.api, page, 'image/png');
      const byPolling = await pollUntilDone(stack.api, accepted.body.jobId, accepted.retryAfter);
      polled.push(performance.now() - started - byPolling.ocrMs);
      started = performance.now();
      const byWaiting = await submitAndWait(stack.api, page, 'image/png');
      waited.push(performance.now() - started - byWaiting.ocrMs);
    }
    const summary = (values: number[]) => ({ p50: round(percentile(values, 50)), p95: round(percentile(values, 95)) });
    return { jobs, retryAfterPoller: summary(polled), preferWait: summary(waited) };
  } finally {
    await stack.stop();
  }
}
