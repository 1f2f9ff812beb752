// Preparing a page before recognition, on the throughput corpus, on one core: with the first
// look (a clean page gets only its levels and size set) against every page analysed in full
// (the first look left out), in the same run, page by page in turn so that both see the same
// machine. Decoding is counted apart: both pay it.
import { AnalysisPool } from '../../src/ocr/analysisPool';
import { OcrPipeline, type PreparedPage } from '../../src/ocr/pipeline';
import { Rasterizer } from '../../src/ocr/rasterizer';
import { benchPages } from '../lib/pages';
import { median, round } from '../lib/stats';

/** Milliseconds of a prepared page's stages, decoding apart. */
function costs(prepared: PreparedPage): { decode: number; rest: number } {
  const entries = Object.entries(prepared.analysis.timingsMs);
  const decode = entries.find(([stage]) => stage === 'decode')?.[1] ?? 0;
  return { decode, rest: entries.reduce((sum, [, ms]) => sum + ms, 0) - decode };
}

export async function preparation(pageCount: number) {
  const pages = await benchPages(pageCount);
  const analysis = new AnalysisPool({ size: 1, timeoutMs: 120_000 });
  const rasterizer = new Rasterizer({ dpi: 300, maxPixels: 100_000_000, timeoutMs: 120_000 });
  const deps = { ocr: null as never, analysis, rasterizer, maxPixels: 100_000_000 };
  const withLook = new OcrPipeline(deps);
  const full = new OcrPipeline({ ...deps, skip: new Set(['firstLook']) });
  const light: number[] = [];
  const analysed: number[] = [];
  const decode: number[] = [];
  let lightPages = 0;
  try {
    // Warm both paths (thread start, JIT) on a page that is not measured.
    await withLook.preparePage('warm', pages[0]!.png, 'image/png', 0);
    await full.preparePage('warm', pages[0]!.png, 'image/png', 0);
    for (const [i, page] of pages.entries()) {
      const looked = await withLook.preparePage(`look-${i}`, page.png, 'image/png', 0);
      const whole = await full.preparePage(`full-${i}`, page.png, 'image/png', 0);
      if (looked.analysis.preparation === 'light') lightPages++;
      light.push(costs(looked).rest);
      analysed.push(costs(whole).rest);
      decode.push(costs(looked).decode, costs(whole).decode);
    }
  } finally {
    await withLook.close();
    await rasterizer.close();
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    pages: pages.length,
    lightPages,
    msPerPage: { firstLook: round(sum(light) / pages.length, 1), fullAnalysis: round(sum(analysed) / pages.length, 1) },
    medianMs: { firstLook: round(median(light), 1), fullAnalysis: round(median(analysed), 1), decode: round(median(decode), 1) },
    ratio: round(sum(analysed) / Math.max(1, sum(light)), 2),
  };
}
