// `npm run bench` (all) or `npm run bench -- accept status` (some): starts the service on free
// ports for each measurement, prints tables and writes bench/results/latest.json.
// BENCH_REPEAT (default 3) runs of BENCH_SECONDS (default 5) per HTTP load point;
// BENCH_PAGES (default 40) pages for throughput and preparation; BENCH_JOBS (default 20) one-page jobs for
// the overhead; BENCH_NOTIFY_JOBS (default 10) three-page jobs and BENCH_STREAMS (default
// 1000) streams and pollers for notify; tracing exports to a Jaeger it starts (scripts/jaeger.sh
// finds or builds it); BENCH_LOAD_JOBS (default 1000) one-page jobs at once for load;
// BENCH_LAYER_PAGES (default 200) born-digital pages for textLayer; medians everywhere.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths';
import { acceptPath } from './measure/accept';
import { busyLatency } from './measure/busy';
import { historyGrowth } from './measure/history';
import { load } from './measure/load';
import { memory } from './measure/memory';
import { notify } from './measure/notify';
import { overhead } from './measure/overhead';
import { preparation } from './measure/preparation';
import { scaling } from './measure/scaling';
import { statusPath } from './measure/status';
import { textLayerThroughput } from './measure/textLayer';
import { throughput } from './measure/throughput';
import { tracingCost } from './measure/tracing';

const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const pages = Number(process.env.BENCH_PAGES ?? 40);

const MEASUREMENTS: Record<string, () => Promise<unknown>> = {
  accept: () => acceptPath(repeat, seconds),
  status: () => statusPath(repeat, seconds),
  throughput: () => throughput(pages),
  preparation: () => preparation(pages),
  textLayer: () => textLayerThroughput(Number(process.env.BENCH_LAYER_PAGES ?? 200), 10),
  overhead: () => overhead(Number(process.env.BENCH_JOBS ?? 20)),
  memory: () => memory(200),
  scaling: () => scaling(Math.min(pages, 20)),
  tracing: () => tracingCost(repeat, seconds, Math.min(pages, 20)),
  history: () => historyGrowth([10, 60], 1000),
  busy: () => busyLatency(Math.max(seconds, 10)),
  load: () => load(Number(process.env.BENCH_LOAD_JOBS ?? 1000)),
  notify: () => notify(Number(process.env.BENCH_NOTIFY_JOBS ?? 10), Number(process.env.BENCH_STREAMS ?? 1000), Math.max(seconds, 20)),
};

type Row = Record<string, unknown>;
const cell = (value: unknown): string =>
  value && typeof value === 'object'
    ? Object.entries(value as Row)
        .map(([k, v]) => `${k} ${cell(v)}`)
        .join(', ')
    : String(value);

function table(rows: Row[]): string {
  const keys = Object.keys(rows[0] ?? {});
  return [`| ${keys.join(' | ')} |`, `|${keys.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${keys.map((k) => cell(row[k])).join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in MEASUREMENTS));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(MEASUREMENTS).join(', ')}`);
  const names = asked.length ? asked : Object.keys(MEASUREMENTS);
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    date: new Date().toISOString(),
    repeat,
    seconds,
  };
  console.log(`machine: ${cell(machine)}\n`);
  const results: Record<string, unknown> = { machine };
  for (const name of names) {
    const started = performance.now();
    const result = await MEASUREMENTS[name]!();
    results[name] = result;
    console.log(`## ${name} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    if (Array.isArray(result)) console.log(table(result as Row[]));
    else if (Object.values(result as Row).every(Array.isArray)) {
      for (const [part, rows] of Object.entries(result as Record<string, Row[]>)) console.log(`### ${part}\n\n${table(rows)}\n`);
    } else console.log(table([result as Row]));
    console.log('');
  }
  const dir = path.join(PROJECT_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${path.join(dir, 'latest.json')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
