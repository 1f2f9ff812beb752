// 2. Status path: GET /jobs/{id} for running and finished jobs, and with If-None-Match.
import { renderText } from '../../test/helpers/images';
import { startBaseline } from '../lib/baseline';
import { load, type LoadResult } from '../lib/http';
import { submit, submitAndWait } from '../lib/jobs';
import { startStack } from '../lib/stack';
import { median, round } from '../lib/stats';
import { summarize } from './accept';

const CONCURRENCY = [1, 16, 64];
const JOBS = 20;

export async function statusPath(repeat: number, seconds: number) {
  const stack = await startStack({ workers: 1, poolSize: 1 });
  const baseline = await startBaseline();
  const rows = [];
  try {
    const small = await renderText({ lines: ['Finished job'] });
    const finished: string[] = [];
    for (let i = 0; i < JOBS; i++) finished.push((await submitAndWait(stack.api, small, 'image/png')).jobId);
    // Long pages keep these jobs running for the whole measurement.
    const long = await renderText({ lines: Array.from({ length: 120 }, (_, i) => `Running job line ${i} with plenty of words to read`), width: 1400 });
    const running: string[] = [];
    for (let i = 0; i < JOBS; i++) running.push((await submit(stack.api, long, 'image/png')).body.jobId);
    const etags = new Map<string, string>();
    for (const id of finished) etags.set(`/jobs/${id}`, (await fetch(`${stack.api}/jobs/${id}`)).headers.get('etag')!);

    const variants: Array<[string, string[], number, ((path: string) => Record<string, string>) | undefined]> = [
      ['running', running, 200, undefined],
      ['finished', finished, 200, undefined],
      ['finished, If-None-Match', finished, 304, (path) => ({ 'if-none-match': etags.get(path)! })],
    ];
    for (const [jobs, ids, expectStatus, headersFor] of variants) {
      for (const connections of CONCURRENCY) {
        const ours: LoadResult[] = [];
        const bare: LoadResult[] = [];
        for (let i = 0; i < repeat; i++) {
          bare.push(await load({ url: baseline.url, paths: ['/jobs/1'], connections, seconds, expectStatus: 200 }));
          ours.push(await load({ url: stack.api, paths: ids.map((id) => `/jobs/${id}`), headersFor, connections, seconds, expectStatus }));
        }
        rows.push({ jobs, concurrency: connections, ours: summarize(ours), baseline: summarize(bare), ratio: round(median(ours.map((r) => r.requestsPerSecond)) / median(bare.map((r) => r.requestsPerSecond)), 3) });
      }
    }
  } finally {
    await baseline.stop();
    await stack.stop();
  }
  return rows;
}
