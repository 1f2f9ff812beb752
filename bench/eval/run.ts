// `npm run eval`: reads every evaluation document with our pipeline and with plain
// Tesseract (tesseract.js on the decoded page, no preprocessing, default page
// segmentation), and prints character error rate and word F1 for both.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { prepareLangPath } from '../../src/ocr/languages';
import { AnalysisPool } from '../../src/ocr/analysisPool';
import { OrientationDetector } from '../../src/ocr/orientation';
import { OcrPipeline, PIPELINE_STEPS, type PipelineDeps, type PipelineStep } from '../../src/ocr/pipeline';
import { Rasterizer } from '../../src/ocr/rasterizer';
import { TesseractPool } from '../../src/ocr/tesseractPool';
import { PROJECT_ROOT } from '../../src/paths';
import { buildCorpus, type EvalDocument } from './corpus';
import { pooledCer, score, type Score } from './metrics';

interface Row {
  name: string;
  description: string;
  ours: Score;
  plain: Score;
  oursMs: number;
  plainMs: number;
}

const logger = pino({ level: 'warn' });

/** Plain Tesseract: each page as decoded, straight into tesseract.js with default settings. */
async function plainTesseract(doc: EvalDocument, pool: TesseractPool, rasterizer: Rasterizer): Promise<string> {
  const texts: string[] = [];
  if (doc.mediaType === 'application/pdf') {
    const count = await rasterizer.pageCount(doc.name, doc.bytes, doc.mediaType);
    for (let i = 0; i < count; i++) {
      const page = await rasterizer.render(doc.name, doc.bytes, doc.mediaType, i);
      texts.push((await pool.recognize(page.png, { languages: ['eng'] })).text);
    }
  } else {
    const pages = (await sharp(doc.bytes).metadata()).pages ?? 1;
    for (let i = 0; i < pages; i++) {
      const image = pages === 1 ? doc.bytes : await sharp(doc.bytes, { page: i }).png().toBuffer();
      texts.push((await pool.recognize(image, { languages: ['eng'] })).text);
    }
  }
  return texts.join('\f');
}

async function ourPipeline(doc: EvalDocument, pipeline: OcrPipeline): Promise<string> {
  const count = await pipeline.pageCount(doc.name, doc.bytes, doc.mediaType);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const prepared = await pipeline.preparePage(doc.name, doc.bytes, doc.mediaType, i);
    if (process.env.EVAL_VERBOSE) console.log(doc.name, i + 1, JSON.stringify(prepared.analysis));
    texts.push((await pipeline.recognizePage(prepared.png, { languages: ['eng'] })).text);
  }
  return texts.join('\f');
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

/** `--ablation`: the whole set once per step left out, to show what each step contributes. */
async function ablation(corpus: EvalDocument[], deps: Omit<PipelineDeps, 'skip'>): Promise<void> {
  const variants: Array<[string, PipelineStep | null]> = [['all steps', null], ...PIPELINE_STEPS.map((step) => [`without ${step}`, step] as [string, PipelineStep])];
  const lines = ['| pipeline | CER | word F1 | time |', '|---|---|---|---|'];
  for (const [name, step] of variants) {
    const pipeline = new OcrPipeline({ ...deps, skip: new Set(step ? [step] : []) });
    const scores: Score[] = [];
    const started = performance.now();
    for (const doc of corpus) scores.push(score(doc.expected, await ourPipeline(doc, pipeline)));
    const f1 = scores.reduce((sum, s) => sum + s.wordF1, 0);
    const row = `| ${name} | ${pct(pooledCer(scores))} | ${(f1 / corpus.length).toFixed(3)} | ${((performance.now() - started) / 1000).toFixed(1)} s |`;
    console.log(row);
    lines.push(row);
  }
  console.log(`\n${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.filter((arg) => !arg.startsWith('--'));
  const corpus = (await buildCorpus()).filter((doc) => only.length === 0 || only.includes(doc.name));
  const langPath = await prepareLangPath(path.join(os.tmpdir(), `ocr-jobs-eval-${process.pid}`));
  const pool = new TesseractPool({ size: 1, recycleAfterPages: 1000, langPath, logger });
  const rasterizer = new Rasterizer({ dpi: 300, maxPixels: 100_000_000, timeoutMs: 120_000 });
  const orientation = new OrientationDetector({ langPath, logger });
  const skip = new Set(args.filter((arg) => arg.startsWith('--skip=')).flatMap((arg) => arg.slice(7).split(',')) as PipelineStep[]);
  const analysis = new AnalysisPool({ size: 1, timeoutMs: 120_000 });
  const deps = { ocr: pool, analysis, rasterizer, orientation, maxPixels: 100_000_000 };
  const rows: Row[] = [];
  try {
    if (args.includes('--ablation')) {
      await ablation(corpus, deps);
      return;
    }
    const pipeline = new OcrPipeline({ ...deps, skip });
    // Warm both paths up so neither pays the engine start-up in its timing.
    await plainTesseract(corpus[0]!, pool, rasterizer);
    await ourPipeline(corpus[0]!, pipeline);
    for (const doc of corpus) {
      const [plainText, plainMs] = await timed(() => plainTesseract(doc, pool, rasterizer));
      const [ourText, oursMs] = await timed(() => ourPipeline(doc, pipeline));
      rows.push({
        name: doc.name,
        description: doc.description,
        ours: score(doc.expected, ourText),
        plain: score(doc.expected, plainText),
        oursMs,
        plainMs,
      });
      const last = rows.at(-1)!;
      console.log(
        `${doc.name.padEnd(18)} CER ${pct(last.ours.cer).padStart(6)} vs ${pct(last.plain.cer).padStart(6)}   ` +
          `F1 ${last.ours.wordF1.toFixed(3)} vs ${last.plain.wordF1.toFixed(3)}   ` +
          `${Math.round(oursMs)} ms vs ${Math.round(plainMs)} ms`,
      );
    }
  } finally {
    await orientation.close();
    await analysis.close();
    await pool.close();
    await rasterizer.close();
  }
  const total = (pick: (row: Row) => Score) => ({
    cer: pooledCer(rows.map(pick)),
    wordF1: rows.reduce((sum, row) => sum + pick(row).wordF1, 0) / rows.length,
  });
  const ours = total((row) => row.ours);
  const plain = total((row) => row.plain);
  const time = (pick: (row: Row) => number) => rows.reduce((sum, row) => sum + pick(row), 0);
  const table = [
    '| document | what | CER ours | CER plain | word F1 ours | word F1 plain |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.description} | ${pct(row.ours.cer)} | ${pct(row.plain.cer)} | ${row.ours.wordF1.toFixed(3)} | ${row.plain.wordF1.toFixed(3)} |`,
    ),
    `| **all** | CER over all characters, mean F1 | **${pct(ours.cer)}** | **${pct(plain.cer)}** | **${ours.wordF1.toFixed(3)}** | **${plain.wordF1.toFixed(3)}** |`,
  ].join('\n');
  console.log(`\n${table}\n`);
  console.log(`time: ours ${(time((r) => r.oursMs) / 1000).toFixed(1)} s, plain ${(time((r) => r.plainMs) / 1000).toFixed(1)} s`);
  const out = path.join(PROJECT_ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'eval.json'), JSON.stringify({ rows, ours, plain, at: new Date().toISOString() }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
