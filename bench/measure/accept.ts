// 1. Accept path: POST /jobs of a small image, against a bare express route returning 202,
// and against Temporal alone starting workflows.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { renderText } from '../../test/helpers/images';
import { startBaseline } from '../lib/baseline';
import { load, loadResult, type LoadResult } from '../lib/http';
import { startStack } from '../lib/stack';
import { median, round } from '../lib/stats';

const CONCURRENCY = [1, 16, 64];

export async function acceptPath(repeat: number, seconds: number) {
  const png = await renderText({ lines: ['A small page to submit'] });
  // No worker polls the API's task queue: this measures accepting, not reading. The jobs
  // pile up there, so load shedding is set not to refuse them (its look at the backlog,
  // once a second, is still paid).
  const stack = await startStack({
    workers: 0,
    poolSize: 1,
    apiTaskQueue: 'bench-accept-only',
    apiEnv: { MAX_BACKLOG_PAGES: '100000000', JOB_TIMEOUT_DEFAULT_SECONDS: '86400' },
  });
  const baseline = await startBaseline();
  const rows = [];
  try {
    for (const connections of CONCURRENCY) {
      const run = (url: string) => load({ url: `${url}/jobs`, method: 'POST', headers: { 'content-type': 'image/png' }, body: png, connections, seconds, expectStatus: 202 });
      const ours: LoadResult[] = [];
      const bare: LoadResult[] = [];
      const temporalOnly: LoadResult[] = [];
      for (let i = 0; i < repeat; i++) {
        bare.push(await run(baseline.url));
        temporalOnly.push(await startsOnly(stack.client, connections, seconds));
        ours.push(await run(stack.api));
      }
      const rps = (runs: LoadResult[]) => median(runs.map((r) => r.requestsPerSecond));
      rows.push({
        concurrency: connections,
        ours: summarize(ours),
        baseline: summarize(bare),
        temporalStartOnly: summarize(temporalOnly),
        ratio: round(rps(ours) / rps(bare), 3),
        ratioToTemporal: round(rps(ours) / rps(temporalOnly), 3),
      });
    }
  } finally {
    await baseline.stop();
    await stack.stop();
  }
  return rows;
}

/**
 * The second baseline: Temporal alone, starting workflows as fast as it can at the same
 * concurrency on the same server. What our accept path cannot go below.
 */
async function startsOnly(client: Client, connections: number, seconds: number): Promise<LoadResult> {
  const times: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await client.workflow.start('ocrJobWorkflow', {
          workflowId: randomUUID(),
          taskQueue: 'bench-accept-only',
          args: [{}],
          memo: { job: { status: 'PENDING' } },
        });
        times.push(performance.now() - started);
      }
    }),
  );
  return loadResult(times, seconds);
}

export function summarize(runs: LoadResult[]) {
  return {
    requestsPerSecond: round(median(runs.map((r) => r.requestsPerSecond))),
    p50: round(median(runs.map((r) => r.p50))),
    p95: round(median(runs.map((r) => r.p95))),
    p99: round(median(runs.map((r) => r.p99))),
    errors: runs.reduce((sum, r) => sum + r.errors + r.unexpected, 0),
  };
}
