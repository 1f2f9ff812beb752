// 3. OCR throughput: pages through the API with every core busy, once with OCR_ENGINE=auto
// (the native engine where it is installed) and once with tesseractjs, against native
// tesseract run bare with as many single-threaded processes, on the same pages; all with
// their error rates, and where each run's CPU went. Also the native engine alone on the
// pages as we prepare them: the ceiling of the ratio.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AnalysisPool } from '../../src/ocr/analysisPool';
import { findNativeTesseract, NativeTesseract } from '../../src/ocr/nativeEngine';
import { OcrPipeline } from '../../src/ocr/pipeline';
import { Rasterizer } from '../../src/ocr/rasterizer';
import { pooledCer, score } from '../eval/metrics';
import { submitAndWait } from '../lib/jobs';
import { nativeTesseract, runNative, sameDataAs } from '../lib/native';
import { benchPages, type BenchPage } from '../lib/pages';
import { cpuSeconds, startStack, type Stack } from '../lib/stack';
import { round } from '../lib/stats';

function totalCer(pages: BenchPage[], texts: string[]): number {
  return pooledCer(pages.map((page, i) => score(page.text, texts[i] ?? '')));
}

/** CPU seconds per page, by process, over the timed part of a run. */
export interface CpuPerPage {
  /** Native tesseract processes (the workers' children); 0 with tesseract.js, which runs in the workers. */
  engine: number;
  /** The worker processes themselves: preparation, tesseract.js, activities, workflow tasks. */
  worker: number;
  api: number;
  temporal: number;
}

async function cpuNow(stack: Stack) {
  const workers = await Promise.all(stack.workers.map((worker) => cpuSeconds(worker.pid)));
  return {
    engine: workers.reduce((sum, cpu) => sum + cpu.children, 0),
    worker: workers.reduce((sum, cpu) => sum + cpu.own, 0),
    api: (await cpuSeconds(stack.apiPid)).own,
    temporal: (await cpuSeconds(stack.serverPid)).own,
  };
}

/** Our pages per second: every page a job, all submitted at once, through the API. */
export async function ourThroughput(pages: BenchPage[], workers: number, poolSize: number, env: Record<string, string> = {}) {
  const stack = await startStack({ workers, poolSize, env });
  try {
    await Promise.all(Array.from({ length: workers * poolSize }, () => submitAndWait(stack.api, pages[0]!.png, 'image/png')));
    const before = await cpuNow(stack);
    const started = performance.now();
    const jobs = await Promise.all(pages.map((page) => submitAndWait(stack.api, page.png, 'image/png', 30)));
    const seconds = (performance.now() - started) / 1000;
    const after = await cpuNow(stack);
    const perPage = (key: keyof CpuPerPage) => round((after[key] - before[key]) / pages.length, 3);
    const cpuPerPage: CpuPerPage = { engine: perPage('engine'), worker: perPage('worker'), api: perPage('api'), temporal: perPage('temporal') };
    return { seconds, texts: jobs.map((job) => job.text), failed: jobs.filter((job) => job.status !== 'DONE').length, cpuPerPage };
  } finally {
    await stack.stop();
  }
}

/**
 * The native engine alone on the pages as we prepare them (prepared beforehand, untimed),
 * as many at once as there are cores: what the service would reach if preparing and
 * orchestrating cost nothing.
 */
async function engineAlone(pages: BenchPage[], cores: number): Promise<{ seconds: number; texts: string[] } | null> {
  const install = findNativeTesseract();
  if (!install) return null;
  const analysis = new AnalysisPool({ size: 1, timeoutMs: 120_000 });
  const rasterizer = new Rasterizer({ dpi: 300, maxPixels: 100_000_000, timeoutMs: 120_000 });
  const pipeline = new OcrPipeline({ ocr: null as never, analysis, rasterizer, maxPixels: 100_000_000 });
  const engine = new NativeTesseract({ install, slots: cores, nice: 0 });
  try {
    const prepared: Buffer[] = [];
    for (const [i, page] of pages.entries()) prepared.push((await pipeline.preparePage(`engine-alone-${i}`, page.png, 'image/png', 0)).png);
    const started = performance.now();
    const read = await Promise.all(prepared.map((png) => engine.recognize(png, { languages: ['eng'] })));
    return { seconds: (performance.now() - started) / 1000, texts: read.map((page) => page.text) };
  } finally {
    await engine.close();
    await pipeline.close();
    await rasterizer.close();
  }
}

export async function throughput(pageCount: number) {
  const cores = os.availableParallelism();
  const pages = await benchPages(pageCount);
  const dir = path.join(os.tmpdir(), `ocr-jobs-bench-pages-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const files = await Promise.all(
    pages.map(async (page) => {
      const file = path.join(dir, `${page.name}.png`);
      await writeFile(file, page.png);
      return file;
    }),
  );
  const ours = await ourThroughput(pages, 1, cores, { OCR_ENGINE: 'auto' });
  const oursWasm = await ourThroughput(pages, 1, cores, { OCR_ENGINE: 'tesseractjs' });
  const binary = nativeTesseract();
  const native = binary ? await runNative(binary, files, cores) : null;
  const alone = await engineAlone(pages, cores);
  const nativeSameData = binary ? await runNative(binary, files, cores, await sameDataAs(path.join(dir, 'tessdata'))) : null;
  const pagesPerSecond = (seconds: number) => round(pages.length / seconds, 3);
  return {
    pages: pages.length,
    cores,
    ours: {
      engine: 'auto',
      pagesPerSecond: pagesPerSecond(ours.seconds),
      cer: round(totalCer(pages, ours.texts) * 100, 2),
      failed: ours.failed,
      cpuSecondsPerPage: ours.cpuPerPage,
    },
    oursTesseractjs: {
      engine: 'tesseractjs',
      pagesPerSecond: pagesPerSecond(oursWasm.seconds),
      cer: round(totalCer(pages, oursWasm.texts) * 100, 2),
      failed: oursWasm.failed,
      cpuSecondsPerPage: oursWasm.cpuPerPage,
    },
    native: native
      ? { pagesPerSecond: pagesPerSecond(native.seconds), cer: round(totalCer(pages, native.texts) * 100, 2), data: 'Debian tesseract-ocr-eng (tessdata_fast)' }
      : null,
    nativeSameData: nativeSameData
      ? { pagesPerSecond: pagesPerSecond(nativeSameData.seconds), cer: round(totalCer(pages, nativeSameData.texts) * 100, 2), data: '@tesseract.js-data/eng 4.0.0_best_int' }
      : null,
    engineAlone: alone ? { pagesPerSecond: pagesPerSecond(alone.seconds), cer: round(totalCer(pages, alone.texts) * 100, 2) } : null,
    ratio: native ? round(native.seconds / ours.seconds, 3) : null,
    /** What the engine alone on our prepared pages reaches against native run bare: the ratio's ceiling. */
    ratioEngineAlone: native && alone ? round(native.seconds / alone.seconds, 3) : null,
    ratioTesseractjs: native ? round(native.seconds / oursWasm.seconds, 3) : null,
    ratioSameData: nativeSameData ? round(nativeSameData.seconds / ours.seconds, 3) : null,
  };
}
