// Both engines, tesseract.js and the system's `tesseract`, read the same documents through
// the same steps: the same shape of result, both correct, each named in `result.engine`.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { findNativeTesseract } from '../../src/ocr/nativeEngine';
import type { OutputFormat, UploadSource } from '../../src/shared/schemas';
import { jobKeys } from '../../src/storage/blobStore';
import { activityEnvironment, createOcrFixture, runActivity as run, type OcrFixture } from '../helpers/harness';
import { escapeXml, renderText, words } from '../helpers/images';
import { eventually } from '../helpers/jobs';

const LINES = ['Delivery note for order 5521', 'Three pallets of roof tiles', 'signed for at the gate on Tuesday'];
const OUTPUTS: OutputFormat[] = ['text', 'json', 'hocr', 'pdf'];
const fixtures: Partial<Record<'native' | 'tesseractjs', OcrFixture>> = {};

beforeAll(async () => {
  fixtures.native = await createOcrFixture({ OCR_ENGINE: 'native' });
  fixtures.tesseractjs = await createOcrFixture({ OCR_ENGINE: 'tesseractjs' });
});
afterAll(async () => {
  await Promise.all(Object.values(fixtures).map((fixture) => fixture.close()));
});

/** A PNG page uploaded as a job's source and prepared: what `recognize` is given. */
async function preparedPage(fixture: OcrFixture, bytes: Buffer) {
  const jobId = `engines-${Math.random().toString(36).slice(2)}`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const source: UploadSource = { kind: 'upload', key: jobKeys.source({ jobId }, sha256), sha256, bytes: bytes.length, mediaType: 'image/png' };
  await fixture.blobs.put(source.key, bytes);
  const env = activityEnvironment();
  const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });
  return { jobId, env, image };
}

/** A page through every step with `fixture`'s engine; the stored summary and JSON document. */
async function readJob(fixture: OcrFixture, bytes: Buffer) {
  const { jobId, env, image } = await preparedPage(fixture, bytes);
  const { recognizePage, storeResult } = fixture.activities;
  const page = await run(env, recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: OUTPUTS });
  const stored = await run(env, storeResult, { jobId, pages: [page], outputs: OUTPUTS, pageErrors: [] });
  const json = (key: string) => fixture.blobs.get(key).then((bytes) => JSON.parse(bytes.toString('utf8')));
  return {
    stored,
    summary: await json(stored.resultKey),
    document: await json(jobKeys.resultDocument({ jobId })),
    hocr: (await fixture.blobs.get(jobKeys.resultHocr({ jobId }))).toString('utf8'),
    pdf: await PDFDocument.load(await fixture.blobs.get(jobKeys.resultPdf({ jobId }))),
  };
}

/** The shape of a page's blocks: every key, every box a box, with no values. */
function shapeOf(blocks: unknown): unknown {
  if (Array.isArray(blocks)) return blocks.length ? [shapeOf(blocks[0])] : [];
  if (blocks && typeof blocks === 'object') return Object.fromEntries(Object.entries(blocks).map(([key, value]) => [key, shapeOf(value)]));
  return typeof blocks;
}

describe('OCR_ENGINE', () => {
  test('when the same page is read by each engine, then both read it right, in results of the same shape naming their engine', async () => {
    const bytes = await renderText({ lines: LINES, fontSize: 30, width: 1000 });

    const native = await readJob(fixtures.native!, bytes);
    const wasm = await readJob(fixtures.tesseractjs!, bytes);

    expect(words(native.summary.text)).toEqual(words(LINES.join(' ')));
    expect(words(wasm.summary.text)).toEqual(words(LINES.join(' ')));
    expect(native.stored.engine).toMatch(/^tesseract \d+\.\d+\.\d+ \(native, /);
    expect(wasm.stored.engine).toMatch(/^tesseract\.js \d+/);
    expect(native.summary.engine).toBe(native.stored.engine);
    expect(native.document.engine).toBe(native.stored.engine);
    expect(native.document.pages[0].engine).toBe(native.stored.engine);
    expect(native.hocr).toContain(`content="${native.stored.engine}"`);
    expect(shapeOf(native.document.pages[0].blocks)).toEqual(shapeOf(wasm.document.pages[0].blocks));
    for (const result of [native, wasm]) {
      const lines = result.document.pages[0].blocks.flatMap((block: { lines: unknown[] }) => block.lines);
      expect(lines).toHaveLength(LINES.length);
      expect(result.hocr).toMatch(/<span class="ocrx_word"[^>]*title="bbox \d+ \d+ \d+ \d+; x_wconf \d+">pallets<\/span>/);
      expect(result.pdf.getPageCount()).toBe(1);
    }
  });

  test.each(['native', 'tesseractjs'] as const)(
    'when %s is asked for sparse text, then it finds the headline line one block loses, and the next page is read as one block again',
    async (engine) => {
      const { pool } = fixtures[engine]!;
      const title = ['Weekly energy', 'use in 2026'];
      const body = ['Meter readings were taken by the households themselves each month,', 'and the figures were checked against the suppliers own bills.'];
      const lines = (texts: string[], size: number, top: number) =>
        `<g font-family="DejaVu Serif" font-size="${size}">${texts.map((line, i) => `<text x="60" y="${top + i * Math.round(size * 1.1)}">${escapeXml(line)}</text>`).join('')}</g>`;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1300" height="700"><rect width="100%" height="100%" fill="white"/>
        <g font-weight="bold">${lines(title, 80, 120)}</g>${lines(body, 28, 340)}</svg>`;
      const png = await sharp(Buffer.from(svg)).png().toBuffer();

      const block = await pool.recognize(png, { languages: ['eng'] });
      const sparse = await pool.recognize(png, { languages: ['eng'], segmentation: 'sparse' });
      const blockAgain = await pool.recognize(png, { languages: ['eng'] });

      expect(words(block.text)).not.toContain('weekly');
      expect(words(sparse.text).slice(0, 5)).toEqual(words(title.join(' ')));
      expect(blockAgain.text).toBe(block.text);
    },
  );

  test('when the engine is auto and the native engine has the languages, then pages are read natively', async () => {
    const fixture = await createOcrFixture({ OCR_ENGINE: 'auto' });
    try {
      expect(fixture.pool.engineName(['eng', 'deu'])).toBe(fixtures.native!.pool.engineName(['eng']));
      expect(fixture.deps.languages).toEqual(expect.arrayContaining(['deu', 'eng', 'fra', 'spa']));
    } finally {
      await fixture.close();
    }
  });

  test('when the native process fails on a page, then the step fails with OCR_FAILED, to be retried, saying what tesseract said', async () => {
    const fixture = fixtures.native!;
    const { jobId, env, image } = await preparedPage(fixture, await renderText({ lines: ['A page spoiled on its way to the engine'] }));
    // What the engine is handed is no image at all: tesseract fails on it for real.
    await fixture.blobs.put(image.imageKey, Buffer.from('not an image at all'));

    const err = await run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: ['text'] }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'OCR_FAILED', nonRetryable: false });
    expect(String((err as Error).message)).toMatch(/tesseract exited with code \d+/);
    expect(fixture.pool.native!.busyRatio).toBe(0);
  });

  test('when a page is cancelled mid-read, then its native process is killed and the next page is read', async () => {
    const fixture = fixtures.native!;
    const native = fixture.pool.native!;
    const dense = await renderText({ lines: Array.from({ length: 60 }, (_, i) => `Line ${i} of a long page that keeps the engine busy`), fontSize: 22, width: 1600 });
    const abort = new AbortController();
    const reading = native.recognize(dense, { languages: ['eng'], signal: abort.signal }).catch((e: unknown) => e);
    await eventually(async () => native.processes, (running) => running === 1);
    // The process reads at the OCR priority (OCR_NICE, 10 by default), below the worker's own.
    const [pid] = execFileSync('pgrep', ['-P', String(process.pid), '-x', 'tesseract'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(os.getPriority(pid!)).toBe(fixture.config.ocr.nice);
    expect(os.getPriority(pid!)).toBeGreaterThan(os.getPriority(process.pid));
    abort.abort(new Error('cancelled by the test'));

    expect(String(await reading)).toContain('cancelled by the test');
    expect(native.processes).toBe(0);
    expect(native.busyRatio).toBe(0);
    const after = await native.recognize(await renderText({ lines: ['Still reading'] }), { languages: ['eng'] });
    expect(words(after.text)).toEqual(['still', 'reading']);
  });

  test('when a page keeps the native engine past OCR_PAGE_TIMEOUT_MS, then the page fails for good with OCR_TIMEOUT', async () => {
    const fixture = await createOcrFixture({ OCR_ENGINE: 'native', OCR_PAGE_TIMEOUT_MS: '1000' });
    try {
      const dense = await renderText({ lines: Array.from({ length: 120 }, (_, i) => `Line ${i} of a very dense page that takes the engine a long time`), fontSize: 22, width: 1700 });
      const { jobId, env, image } = await preparedPage(fixture, dense);

      const err = await run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: ['text'] }).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'OCR_TIMEOUT', nonRetryable: true });
      expect(fixture.pool.native!.busyRatio).toBe(0);
    } finally {
      await fixture.close();
    }
  });

  test('when OCR_ENGINE=native and no tesseract is on PATH, then the worker stops at start, saying how to fix it', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-no-tesseract-'));
    try {
      const child = spawn(process.execPath, [path.join(__dirname, '../../dist/src/worker/main.js')], {
        env: { ...process.env, PATH: empty, OCR_ENGINE: 'native', DATA_DIR: empty, TEMPORAL_ADDRESS: '127.0.0.1:1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

      expect(code).toBe(2);
      expect(output).toContain('OCR_ENGINE=native, but no runnable `tesseract` was found on PATH');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('the native install is found with its version, data folder and languages', () => {
    const install = findNativeTesseract();

    expect(install).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+/), tessdata: expect.stringContaining('tessdata') });
    expect([...install!.languages]).toEqual(expect.arrayContaining(['eng', 'deu', 'fra', 'spa']));
  });
});
