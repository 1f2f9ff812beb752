// 3. OCR throughput: pages through the API with every core busy, once with OCR_ENGINE=auto
// (the native engine where it is installed) and once with tesseractjs, against native
// tesseract run bare with as many single-threaded processes, on the same pages; all with
// their error rates, and where each run's CPU went. Also each engine alone on the pages as
// we prepare them: the ceilings of the two ratios.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AnalysisPool } from '../../src/ocr/analysisPool';
import { prepareLangPath } from '../../src/ocr/languages';
import { findNativeTesseract, NativeTesseract } from '../../src/ocr/nativeEngine';
import { OcrPipeline } from '../../src/ocr/pipeline';
import { Rasterizer } from '../../src/ocr/rasterizer';
import { TesseractPool } from '../../src/ocr/tesseractPool';
import type { OcrEngine } from '../../src/ocr/types';
import { pooledCer, score } from '../eval/metrics';
import { submitAndWait } from '../lib/jobs';
import { fastDataForTesseractjs, nativeTesseract, runNative, sameDataAs } from '../lib/native';
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
 * Each engine alone on the pages as we prepare them, tesseract.js also with Debian's fast model
 * (those of native: null where it is not installed).
 */
interface EnginesAlone {
  native: { seconds: number; texts: string[] } | null;
  tesseractjs: { seconds: number; texts: string[] };
  tesseractjsFast: { seconds: number; texts: string[] } | null;
}

/**
 * Each engine alone on the pages as we prepare them (prepared beforehand, untimed), as many
 * pages at once as there are cores: what the service would reach with that engine if
 * preparing and orchestrating cost nothing. tesseract.js's workers are started and have read
 * one page each before the clock starts, as a running worker's have. tesseract.js is timed
 * once more on Debian's fast model where it is installed: what a faster model than the
 * packaged one would give it.
 */
async function enginesAlone(pages: BenchPage[], cores: number, langDir: string): Promise<EnginesAlone> {
  const install = findNativeTesseract();
  const analysis = new AnalysisPool({ size: 1, timeoutMs: 120_000 });
  const rasterizer = new Rasterizer({ dpi: 300, maxPixels: 100_000_000, timeoutMs: 120_000 });
  const pipeline = new OcrPipeline({ ocr: null as never, analysis, rasterizer, maxPixels: 100_000_000 });
  const native = install ? new NativeTesseract({ install, slots: cores, nice: 0 }) : null;
  const langPath = await prepareLangPath(langDir);
  const tesseractjsOn = (dataPath: string) => new TesseractPool({ size: cores, recycleAfterPages: 1000, langPath: dataPath, logger: pino({ level: 'warn' }) });
  const tesseractjs = tesseractjsOn(langPath);
  const tesseractjsFast = install ? tesseractjsOn(await fastDataForTesseractjs(install.tessdata, `${langDir}-fast`)) : null;
  const timed = async (engine: OcrEngine, prepared: Buffer[]) => {
    const started = performance.now();
    const read = await Promise.all(prepared.map((png) => engine.recognize(png, { languages: ['eng'] })));
    return { seconds: (performance.now() - started) / 1000, texts: read.map((page) => page.text) };
  };
  try {
    const prepared: Buffer[] = [];
    for (const [i, page] of pages.entries()) prepared.push((await pipeline.preparePage(`engine-alone-${i}`, page.png, 'image/png', 0)).png);
    const warmed = async (pool: TesseractPool) => {
      await Promise.all(prepared.slice(0, cores).map((png) => pool.recognize(png, { languages: ['eng'] })));
      return timed(pool, prepared);
    };
    return {
      native: native ? await timed(native, prepared) : null,
      tesseractjs: await warmed(tesseractjs),
      tesseractjsFast: tesseractjsFast ? await warmed(tesseractjsFast) : null,
    };
  } finally {
    await native?.close();
    await tesseractjs.close();
    await tesseractjsFast?.close();
    await pipeline.close();
    await rasterizer.close();
  }
}

export async function throughput(pageCount: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-bench-pages-'));
  try {
    return await throughputIn(dir, pageCount);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The throughput measurement; the pages and language data it writes go to `dir`. */
async function throughputIn(dir: string, pageCount: number) {
  const cores = os.availableParallelism();
  const pages = await benchPages(pageCount);
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
  const alone = await enginesAlone(pages, cores, path.join(dir, 'lang'));
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
    engineAlone: alone.native ? { pagesPerSecond: pagesPerSecond(alone.native.seconds), cer: round(totalCer(pages, alone.native.texts) * 100, 2) } : null,
    engineAloneTesseractjs: { pagesPerSecond: pagesPerSecond(alone.tesseractjs.seconds), cer: round(totalCer(pages, alone.tesseractjs.texts) * 100, 2) },
    engineAloneTesseractjsFast: alone.tesseractjsFast
      ? { pagesPerSecond: pagesPerSecond(alone.tesseractjsFast.seconds), cer: round(totalCer(pages, alone.tesseractjsFast.texts) * 100, 2), data: 'Debian tesseract-ocr-eng (tessdata_fast)' }
      : null,
    ratio: native ? round(native.seconds / ours.seconds, 3) : null,
    /** What the engine alone on our prepared pages reaches against native run bare: the ratio's ceiling. */
    ratioEngineAlone: native && alone.native ? round(native.seconds / alone.native.seconds, 3) : null,
    ratioTesseractjs: native ? round(native.seconds / oursWasm.seconds, 3) : null,
    /** The same ceiling for OCR_ENGINE=tesseractjs. */
    ratioTesseractjsAlone: native ? round(native.seconds / alone.tesseractjs.seconds, 3) : null,
    /** And with Debian's fast model in tesseract.js. */
    ratioTesseractjsFastAlone: native && alone.tesseractjsFast ? round(native.seconds / alone.tesseractjsFast.seconds, 3) : null,
    ratioSameData: nativeSameData ? round(nativeSameData.seconds / ours.seconds, 3) : null,
  };
}
