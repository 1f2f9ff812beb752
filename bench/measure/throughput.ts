// 3. OCR throughput: pages through the API with every core busy, once with OCR_ENGINE=auto
// (the native engine where it is installed) and once with tesseractjs, against native
// tesseract run bare with as many single-threaded processes, on the same pages; all with
// their error rates.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pooledCer, score } from '../eval/metrics';
import { submitAndWait } from '../lib/jobs';
import { nativeTesseract, runNative, sameDataAs } from '../lib/native';
import { benchPages, type BenchPage } from '../lib/pages';
import { startStack } from '../lib/stack';
import { round } from '../lib/stats';

function totalCer(pages: BenchPage[], texts: string[]): number {
  return pooledCer(pages.map((page, i) => score(page.text, texts[i] ?? '')));
}

/** Our pages per second: every page a job, all submitted at once, through the API. */
export async function ourThroughput(pages: BenchPage[], workers: number, poolSize: number, env: Record<string, string> = {}) {
  const stack = await startStack({ workers, poolSize, env });
  try {
    await Promise.all(Array.from({ length: workers * poolSize }, () => submitAndWait(stack.api, pages[0]!.png, 'image/png')));
    const started = performance.now();
    const jobs = await Promise.all(pages.map((page) => submitAndWait(stack.api, page.png, 'image/png', 30)));
    const seconds = (performance.now() - started) / 1000;
    return { seconds, texts: jobs.map((job) => job.text), failed: jobs.filter((job) => job.status !== 'DONE').length };
  } finally {
    await stack.stop();
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
  const nativeSameData = binary ? await runNative(binary, files, cores, await sameDataAs(path.join(dir, 'tessdata'))) : null;
  const pagesPerSecond = (seconds: number) => round(pages.length / seconds, 3);
  return {
    pages: pages.length,
    cores,
    ours: { engine: 'auto', pagesPerSecond: pagesPerSecond(ours.seconds), cer: round(totalCer(pages, ours.texts) * 100, 2), failed: ours.failed },
    oursTesseractjs: {
      engine: 'tesseractjs',
      pagesPerSecond: pagesPerSecond(oursWasm.seconds),
      cer: round(totalCer(pages, oursWasm.texts) * 100, 2),
      failed: oursWasm.failed,
    },
    native: native
      ? { pagesPerSecond: pagesPerSecond(native.seconds), cer: round(totalCer(pages, native.texts) * 100, 2), data: 'Debian tesseract-ocr-eng (tessdata_fast)' }
      : null,
    nativeSameData: nativeSameData
      ? { pagesPerSecond: pagesPerSecond(nativeSameData.seconds), cer: round(totalCer(pages, nativeSameData.texts) * 100, 2), data: '@tesseract.js-data/eng 4.0.0_best_int' }
      : null,
    ratio: native ? round(native.seconds / ours.seconds, 3) : null,
    ratioTesseractjs: native ? round(native.seconds / oursWasm.seconds, 3) : null,
    ratioSameData: nativeSameData ? round(nativeSameData.seconds / ours.seconds, 3) : null,
  };
}
