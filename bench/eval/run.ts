// `npm run eval`: reads every evaluation document with our pipeline and with plain
// Tesseract (tesseract.js on the decoded page, no preprocessing, default page
// segmentation), and prints character error rate and word F1 for both.
//
// `--set=2` (or `--set=all`) reads evaluation set 2 instead, and native Tesseract as a third
// reader; it summarises per kind and lists where our pipeline does worse than either.
// `--split=dev|test`, `--kind=NAME` and document names narrow any run. A page may take at
// most `--page-seconds` (default 120) per reader; past that it counts as read with no text
// and is reported, so one runaway page cannot stall the run. `--engine=native` reads our
// pipeline's pages with the system's `tesseract` (OCR_ENGINE=native) instead of tesseract.js;
// plain stays tesseract.js. Its results go to files named with `-native`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { prepareLangPath } from '../../src/ocr/languages';
import { AnalysisPool } from '../../src/ocr/analysisPool';
import { detectMediaType } from '../../src/ocr/mediaType';
import { OrientationDetector } from '../../src/ocr/orientation';
import { OcrPipeline, PIPELINE_STEPS, type PipelineDeps, type PipelineStep } from '../../src/ocr/pipeline';
import { Rasterizer, renderedPng } from '../../src/ocr/rasterizer';
import { nativeInstallFor, OcrEngines } from '../../src/ocr/engines';
import { NativeTesseract } from '../../src/ocr/nativeEngine';
import { TesseractPool } from '../../src/ocr/tesseractPool';
import { PROJECT_ROOT } from '../../src/paths';
import { nativeLanguages, nativeTesseract, readNative } from '../lib/native';
import type { EvalDocument } from './corpus';
import { pooledCer, score, type Score } from './metrics';
import { parseSet, selectDocuments } from './sets';

interface Row {
  name: string;
  description: string;
  ours: Score;
  plain: Score;
  oursMs: number;
  plainMs: number;
}

/** A set-2 row: also native Tesseract (null where it is not installed), pages and kind. */
interface FullRow extends Row {
  kind: string;
  split: EvalDocument['split'];
  languages: string[];
  pages: number;
  pagesFound: number;
  native: Score | null;
  nativeMs: number | null;
  /** Pages (numbered from 1) each reader did not finish within the page time limit. */
  late: { ours: number[]; plain: number[]; native: number[] };
}

/** What a reader made of a document: its text, and the pages it ran out of time on. */
interface Reading {
  text: string;
  late: number[];
}

/**
 * Reads the document page by page, each page under the time limit. A page past the limit
 * is abandoned (the reader's signal is aborted) and counts as read with no text.
 */
async function readPages(count: number, limitMs: number, read: (index: number, signal: AbortSignal) => Promise<string>): Promise<Reading> {
  const texts: string[] = [];
  const late: number[] = [];
  for (let i = 0; i < count; i++) {
    const signal = AbortSignal.timeout(limitMs);
    try {
      texts.push(await read(i, signal));
    } catch (err) {
      if (!signal.aborted) throw err;
      texts.push('');
      late.push(i + 1);
    }
  }
  return { text: texts.join('\f'), late };
}

const logger = pino({ level: 'warn' });

/**
 * The pages as plain and native Tesseract get them: a PDF's pages rendered by MuPDF, a
 * multi-page or TIFF file's pages as PNG, any other single image as its own bytes.
 */
async function decodedPages(doc: EvalDocument, rasterizer: Rasterizer): Promise<Buffer[]> {
  if (doc.mediaType === 'application/pdf') {
    const count = await rasterizer.pageCount(doc.name, doc.bytes, doc.mediaType);
    const pages: Buffer[] = [];
    for (let i = 0; i < count; i++) pages.push(await renderedPng(await rasterizer.render(doc.name, doc.bytes, doc.mediaType, i)));
    return pages;
  }
  const count = (await sharp(doc.bytes).metadata()).pages ?? 1;
  if (count === 1 && doc.mediaType !== 'image/tiff') return [doc.bytes];
  const pages: Buffer[] = [];
  for (let i = 0; i < count; i++) pages.push(await sharp(doc.bytes, { page: i }).png().toBuffer());
  return pages;
}

/** Plain Tesseract: each page as decoded, straight into tesseract.js with default settings. */
function plainTesseract(doc: EvalDocument, pages: Buffer[], pool: TesseractPool, limitMs: number): Promise<Reading> {
  return readPages(pages.length, limitMs, async (i, signal) => (await pool.recognize(pages[i]!, { languages: doc.languages, signal })).text);
}

/** Native Tesseract (Debian's), one single-threaded process per page, on the same pages as plain. */
function nativeTesseractText(doc: EvalDocument, pages: Buffer[], binary: string, dir: string, limitMs: number): Promise<Reading> {
  return readPages(pages.length, limitMs, (i, signal) => {
    const page = pages[i]!;
    const extension = (detectMediaType(page) ?? 'image/png').split('/')[1];
    const file = path.join(dir, `${doc.name}-${i + 1}.${extension}`);
    writeFileSync(file, page);
    return readNative(binary, file, { languages: doc.languages, signal });
  });
}

async function ourPipeline(doc: EvalDocument, pipeline: OcrPipeline, limitMs: number): Promise<Reading & { pages: number }> {
  const count = await pipeline.pageCount(doc.name, doc.bytes, doc.mediaType);
  const reading = await readPages(count, limitMs, async (i, signal) => {
    const prepared = await pipeline.preparePage(doc.name, doc.bytes, doc.mediaType, i, signal);
    if (process.env.EVAL_VERBOSE) console.log(doc.name, i + 1, JSON.stringify(prepared.analysis));
    // Read as the service reads it: large type read again, the plain reading to fall back on.
    const plain = () => pipeline.plainCopy(doc.name, doc.bytes, doc.mediaType, i, signal);
    return (await pipeline.readPage(prepared, plain, { languages: doc.languages, signal })).text;
  });
  return { ...reading, pages: count };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

/** Results of a run through the native engine go to their own files. */
const suffix = process.argv.includes('--engine=native') ? '-native' : '';

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const meanF1 = (scores: Score[]) => scores.reduce((sum, s) => sum + s.wordF1, 0) / scores.length;
/** A group's scores: CER pooled over characters, mean word F1. */
const aggregate = (scores: Score[]) => ({ cer: pooledCer(scores), wordF1: meanF1(scores) });

/** Writes a run's results under bench/results; the path written, from the project root. */
function writeResults(name: string, results: object): string {
  const out = path.join(PROJECT_ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  const file = path.join(out, name);
  writeFileSync(file, JSON.stringify(results, null, 2));
  return path.relative(PROJECT_ROOT, file);
}

/** `--ablation`: the whole set once per step left out, to show what each step contributes. */
async function ablation(corpus: EvalDocument[], deps: Omit<PipelineDeps, 'skip'>, limitMs: number): Promise<void> {
  const variants: Array<[string, PipelineStep | null]> = [['all steps', null], ...PIPELINE_STEPS.map((step) => [`without ${step}`, step] as [string, PipelineStep])];
  const lines = ['| pipeline | CER | word F1 | time |', '|---|---|---|---|'];
  for (const [name, step] of variants) {
    const pipeline = new OcrPipeline({ ...deps, skip: new Set(step ? [step] : []) });
    const scores: Score[] = [];
    const started = performance.now();
    for (const doc of corpus) scores.push(score(doc.expected, (await ourPipeline(doc, pipeline, limitMs)).text));
    const row = `| ${name} | ${pct(pooledCer(scores))} | ${meanF1(scores).toFixed(3)} | ${((performance.now() - started) / 1000).toFixed(1)} s |`;
    console.log(row);
    lines.push(row);
  }
  console.log(`\n${lines.join('\n')}\n`);
}

/** Set 1's report, as the README shows it: ours against plain, per document. */
function reportSet1(rows: Row[]): void {
  const ours = aggregate(rows.map((row) => row.ours));
  const plain = aggregate(rows.map((row) => row.plain));
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
  writeResults(`eval${suffix}.json`, { rows, ours, plain, at: new Date().toISOString() });
}

interface Summary {
  group: string;
  documents: number;
  ours: { cer: number; wordF1: number };
  plain: { cer: number; wordF1: number };
  /** Over the group's documents native Tesseract read; null when it read none. */
  native: { cer: number; wordF1: number; documents: number } | null;
  oursMs: number;
}

function summarise(group: string, rows: FullRow[]): Summary {
  const native = rows.flatMap((row) => (row.native ? [row.native] : []));
  return {
    group,
    documents: rows.length,
    ours: aggregate(rows.map((row) => row.ours)),
    plain: aggregate(rows.map((row) => row.plain)),
    native: native.length ? { ...aggregate(native), documents: native.length } : null,
    oursMs: rows.reduce((sum, row) => sum + row.oursMs, 0) / rows.length,
  };
}

/** Which reader ran out of time on which pages, e.g. "ours p2; plain p2". */
function lateText(row: FullRow): string {
  const parts = (['ours', 'plain', 'native'] as const)
    .filter((reader) => row.late[reader].length)
    .map((reader) => `${reader} ${row.late[reader].map((page) => `p${page}`).join(',')}`);
  return parts.join('; ');
}

/** Set 2's report: per document, per kind and overall, and where ours is worse (by CER). */
function reportFull(rows: FullRow[], set: string, nativeNote: string, limitMs: number): void {
  const nat = (score: Score | null, pick: (s: Score) => string) => (score ? pick(score) : '–');
  const documents = [
    '| document | kind | split | pages found | CER ours | CER plain | CER native | F1 ours | F1 plain | F1 native | ms ours | ms plain | ms native | pages past the limit |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((row) =>
      [
        row.name,
        row.kind,
        row.split,
        row.pagesFound === row.pages ? `${row.pages}` : `**${row.pagesFound} of ${row.pages}**`,
        pct(row.ours.cer),
        pct(row.plain.cer),
        nat(row.native, (s) => pct(s.cer)),
        row.ours.wordF1.toFixed(3),
        row.plain.wordF1.toFixed(3),
        nat(row.native, (s) => s.wordF1.toFixed(3)),
        Math.round(row.oursMs),
        Math.round(row.plainMs),
        row.nativeMs === null ? '–' : Math.round(row.nativeMs),
        lateText(row),
      ].join(' | '),
    ).map((line) => `| ${line} |`),
  ].join('\n');
  const kinds = [...new Set(rows.map((row) => row.kind))];
  const summaries = [
    ...kinds.map((kind) => summarise(kind, rows.filter((row) => row.kind === kind))),
    ...(['dev', 'test'] as const).filter((split) => rows.some((row) => row.split === split)).map((split) => summarise(`**${split}**`, rows.filter((row) => row.split === split))),
    summarise('**all**', rows),
  ];
  const perKind = [
    '| kind | docs | CER ours | CER plain | CER native | F1 ours | F1 plain | F1 native | ms/doc ours |',
    '|---|---|---|---|---|---|---|---|---|',
    ...summaries.map(
      (s) =>
        `| ${s.group} | ${s.documents} | ${pct(s.ours.cer)} | ${pct(s.plain.cer)} | ${s.native ? pct(s.native.cer) : '–'} | ` +
        `${s.ours.wordF1.toFixed(3)} | ${s.plain.wordF1.toFixed(3)} | ${s.native ? s.native.wordF1.toFixed(3) : '–'} | ${Math.round(s.oursMs)} |`,
    ),
  ].join('\n');
  const worse = rows.filter((row) => row.ours.cer > row.plain.cer || (row.native !== null && row.ours.cer > row.native.cer));
  const worseList = worse.length
    ? worse
        .map((row) => `- ${row.name} (${row.kind}): ours ${pct(row.ours.cer)}, plain ${pct(row.plain.cer)}, native ${row.native ? pct(row.native.cer) : '–'}`)
        .join('\n')
    : '- none';
  const pageMismatches = rows.filter((row) => row.pagesFound !== row.pages);
  console.log(`\n${documents}\n\n${perKind}\n`);
  console.log(`CER pooled over characters; F1 is the mean word F1. ${nativeNote}`);
  console.log(`A page not read within ${limitMs / 1000} s counts as read with no text (last column).`);
  console.log(`\nDocuments where ours is worse than plain or native (by CER):\n${worseList}\n`);
  if (pageMismatches.length) console.log(`Page count differs from the document's: ${pageMismatches.map((row) => row.name).join(', ')}\n`);
  const late = rows.filter((row) => lateText(row));
  if (late.length) console.log(`Pages past the time limit (counted as read with no text): ${late.map((row) => `${row.name} (${lateText(row)})`).join(', ')}\n`);
  const written = writeResults(`eval-set${set}${suffix}.json`, { rows, summaries, worse: worse.map((row) => row.name), at: new Date().toISOString() });
  console.log(`wrote ${written}`);
}

/** The native binary and the languages it reads (installing what is missing when root). */
function nativeReader(corpus: EvalDocument[]): { binary: string; languages: Set<string> } | null {
  const binary = nativeTesseract();
  if (!binary) return null;
  return { binary, languages: nativeLanguages(binary, [...new Set(corpus.flatMap((doc) => doc.languages))]) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const set = parseSet(args);
  const corpus = await selectDocuments(args);
  if (corpus.length === 0) throw new Error('no evaluation document matches the arguments');
  const langPath = await prepareLangPath(path.join(os.tmpdir(), `ocr-jobs-eval-${process.pid}`));
  const pool = new TesseractPool({ size: 1, recycleAfterPages: 1000, langPath, logger });
  const rasterizer = new Rasterizer({ dpi: 300, maxPixels: 100_000_000, timeoutMs: 120_000 });
  const orientation = new OrientationDetector({ langPath, logger });
  const skip = new Set(args.filter((arg) => arg.startsWith('--skip=')).flatMap((arg) => arg.slice(7).split(',')) as PipelineStep[]);
  const analysis = new AnalysisPool({ size: 1, timeoutMs: 120_000 });
  const engine = args.includes('--engine=native') ? 'native' : 'tesseractjs';
  const install = nativeInstallFor(engine);
  const engines = new OcrEngines(engine, pool, install ? new NativeTesseract({ install, slots: 1, nice: 0 }) : null);
  const deps = { ocr: engines, analysis, rasterizer, orientation, maxPixels: 100_000_000 };
  const native = set === '1' ? null : nativeReader(corpus);
  const limitMs = Number(args.find((arg) => arg.startsWith('--page-seconds='))?.slice(15) ?? 120) * 1000;
  const nativeDir = mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-eval-native-'));
  const rows: FullRow[] = [];
  try {
    if (args.includes('--ablation')) {
      await ablation(corpus, deps, limitMs);
      return;
    }
    const pipeline = new OcrPipeline({ ...deps, skip });
    // Warm both paths up so neither pays the engine start-up in its timing.
    const first = corpus[0]!;
    await plainTesseract(first, await decodedPages(first, rasterizer), pool, limitMs);
    await ourPipeline(first, pipeline, limitMs);
    for (const doc of corpus) {
      const pages = await decodedPages(doc, rasterizer);
      const [plain, plainMs] = await timed(() => plainTesseract(doc, pages, pool, limitMs));
      const [ours, oursMs] = await timed(() => ourPipeline(doc, pipeline, limitMs));
      const readsNative = native !== null && doc.languages.every((code) => native.languages.has(code));
      const [nativeReading, nativeMs] = readsNative
        ? await timed(() => nativeTesseractText(doc, pages, native.binary, nativeDir, limitMs))
        : [null, null];
      const row: FullRow = {
        name: doc.name,
        kind: doc.kind,
        split: doc.split,
        languages: doc.languages,
        description: doc.description,
        pages: doc.expected.split('\f').length,
        pagesFound: ours.pages,
        ours: score(doc.expected, ours.text),
        plain: score(doc.expected, plain.text),
        native: nativeReading === null ? null : score(doc.expected, nativeReading.text),
        oursMs,
        plainMs,
        nativeMs,
        late: { ours: ours.late, plain: plain.late, native: nativeReading?.late ?? [] },
      };
      rows.push(row);
      const nativePart = row.native ? ` vs ${pct(row.native.cer).padStart(6)}` : '';
      const nativeF1 = row.native ? ` vs ${row.native.wordF1.toFixed(3)}` : '';
      const nativeTime = nativeMs === null ? '' : ` vs ${Math.round(nativeMs)} ms`;
      console.log(
        `${doc.name.padEnd(18)} CER ${pct(row.ours.cer).padStart(6)} vs ${pct(row.plain.cer).padStart(6)}${nativePart}   ` +
          `F1 ${row.ours.wordF1.toFixed(3)} vs ${row.plain.wordF1.toFixed(3)}${nativeF1}   ` +
          `${Math.round(oursMs)} ms vs ${Math.round(plainMs)} ms${nativeTime}${lateText(row) ? `   past the limit: ${lateText(row)}` : ''}`,
      );
    }
  } finally {
    await orientation.close();
    await analysis.close();
    await engines.close();
    await rasterizer.close();
    rmSync(nativeDir, { recursive: true, force: true });
  }
  if (set === '1') {
    reportSet1(rows);
    return;
  }
  const nativeNote = native
    ? `Native: Debian's tesseract (${[...native.languages].filter((code) => code !== 'osd').sort().join(', ')}), OMP_THREAD_LIMIT=1, on the pages plain reads.`
    : 'Native Tesseract is not installed and could not be (not root): its columns are empty.';
  reportFull(rows, set, nativeNote, limitMs);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
