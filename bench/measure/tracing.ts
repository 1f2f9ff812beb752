// 8. What tracing costs: the accept path and OCR throughput with spans exported to a real
// Jaeger, against the same with no OTLP endpoint (spans made, nothing exported), in one run.
import os from 'node:os';
import { renderText } from '../../test/helpers/images';
import { startJaeger, type Jaeger } from '../../test/helpers/jaeger';
import { load, type LoadResult } from '../lib/http';
import { benchPages } from '../lib/pages';
import { startStack } from '../lib/stack';
import { median, round } from '../lib/stats';
import { summarize } from './accept';
import { ourThroughput } from './throughput';

const ACCEPT_CONNECTIONS = 16;
/** The targets: tracing may cost at most this share of throughput and these ms of accept p50. */
const MAX_THROUGHPUT_COST = 0.03;
const MAX_ACCEPT_P50_COST_MS = 2;

function exportingTo(jaeger: Jaeger): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' };
}

/** The service as the accept benchmark runs it: no worker, load shedding set not to refuse the pile of jobs. */
function acceptStack(env: Record<string, string>) {
  return startStack({
    workers: 0,
    poolSize: 1,
    apiTaskQueue: 'bench-accept-only',
    apiEnv: { MAX_BACKLOG_PAGES: '100000000', JOB_TIMEOUT_DEFAULT_SECONDS: '86400' },
    env,
  });
}

/** Accept runs against the service without and with export, alternated so a drift of the machine weighs on both alike. */
async function acceptRuns(exporting: Record<string, string>, png: Buffer, repeat: number, seconds: number): Promise<{ off: LoadResult[]; on: LoadResult[] }> {
  const stacks = { off: await acceptStack({}), on: await acceptStack(exporting) };
  const runs: { off: LoadResult[]; on: LoadResult[] } = { off: [], on: [] };
  const run = (api: string) =>
    load({ url: `${api}/jobs`, method: 'POST', headers: { 'content-type': 'image/png' }, body: png, connections: ACCEPT_CONNECTIONS, seconds, expectStatus: 202 });
  try {
    for (let i = 0; i < repeat; i++) {
      runs.off.push(await run(stacks.off.api));
      runs.on.push(await run(stacks.on.api));
    }
    return runs;
  } finally {
    await stacks.off.stop();
    await stacks.on.stop();
  }
}

export async function tracingCost(repeat: number, seconds: number, pageCount: number) {
  const jaeger = await startJaeger();
  try {
    const exporting = exportingTo(jaeger);
    const png = await renderText({ lines: ['A small page to submit'] });
    const accepted = await acceptRuns(exporting, png, repeat, seconds);
    const acceptOff = summarize(accepted.off);
    const acceptOn = summarize(accepted.on);

    const cores = os.availableParallelism();
    const pages = await benchPages(pageCount);
    // Alternated, twice each, so a drift of the machine weighs on both sides alike.
    const off: number[] = [];
    const on: number[] = [];
    for (let i = 0; i < 2; i++) {
      off.push(pages.length / (await ourThroughput(pages, 1, cores)).seconds);
      on.push(pages.length / (await ourThroughput(pages, 1, cores, exporting)).seconds);
    }
    const throughputRatio = median(on) / median(off);
    const p50Cost = acceptOn.p50 - acceptOff.p50;
    return [
      {
        measure: `accept, ${ACCEPT_CONNECTIONS} clients`,
        off: acceptOff,
        on: acceptOn,
        ratio: round(acceptOn.requestsPerSecond / acceptOff.requestsPerSecond, 3),
        p50CostMs: round(p50Cost, 2),
        target: `p50 cost <= ${MAX_ACCEPT_P50_COST_MS} ms`,
        met: p50Cost <= MAX_ACCEPT_P50_COST_MS,
      },
      {
        measure: `throughput, ${pages.length} one-page jobs, ${cores} engines`,
        off: { pagesPerSecond: round(median(off), 3) },
        on: { pagesPerSecond: round(median(on), 3) },
        ratio: round(throughputRatio, 3),
        p50CostMs: null,
        target: `ratio >= ${1 - MAX_THROUGHPUT_COST}`,
        met: throughputRatio >= 1 - MAX_THROUGHPUT_COST,
      },
    ];
  } finally {
    await jaeger.stop();
  }
}
