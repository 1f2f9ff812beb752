// PDF pages with a text layer are read from it, with no rendering and no OCR; scanned pages,
// and pages whose layer is an invisible OCR layer (often wrong), are OCR'd. PDF_TEXT decides.
import { createHash } from 'node:crypto';
import {
  beginText,
  endText,
  moveText,
  PDFDocument,
  setFontAndSize,
  setTextRenderingMode,
  showText,
  StandardFonts,
  TextRenderingMode,
  type PDFFont,
  type PDFPage,
} from 'pdf-lib';
import { layerReading } from '../../src/ocr/textLayer';
import type { OutputFormat, UploadSource } from '../../src/shared/schemas';
import { jobKeys } from '../../src/storage/blobStore';
import { activityEnvironment, createOcrFixture, runActivity as run, type OcrFixture } from '../helpers/harness';
import { renderText, words } from '../helpers/images';

const A4: [number, number] = [595.3, 841.9];
const DIGITAL = ['Quarterly statement for account 4471', 'Opening balance 1,250.00 EUR', 'Closing balance 980.40 EUR'];
const SCANNED = ['Minutes of the meeting held on Friday', 'Present: the chair and four members'];
const JUNK = 'Qvarterlv stalemcnt f0r acc0unt';

const fixtures: Record<string, OcrFixture> = {};
async function fixture(pdfText: string): Promise<OcrFixture> {
  fixtures[pdfText] ??= await createOcrFixture({ PDF_TEXT: pdfText });
  return fixtures[pdfText];
}
afterAll(async () => {
  await Promise.all(Object.values(fixtures).map((f) => f.close()));
});

function drawLines(page: PDFPage, font: PDFFont, lines: string[]): void {
  lines.forEach((line, i) => page.drawText(line, { x: 72, y: A4[1] - 100 - i * 20, size: 12, font }));
}

/** A page holding only a picture of text (a scan), optionally under an invisible text layer. */
async function scannedPage(pdf: PDFDocument, font: PDFFont, invisible?: string): Promise<void> {
  const png = await renderText({ lines: SCANNED, fontSize: 40, width: 1700 });
  const image = await pdf.embedPng(png);
  const page = pdf.addPage(A4);
  page.drawImage(image, { x: 0, y: A4[1] - (A4[0] * image.height) / image.width, width: A4[0], height: (A4[0] * image.height) / image.width });
  if (invisible) {
    // What an earlier OCR leaves over a scan: text in render mode 3 (drawn invisibly).
    const name = page.node.newFontDictionary('Ocr', font.ref);
    page.pushOperators(beginText(), setFontAndSize(name, 12), setTextRenderingMode(TextRenderingMode.Invisible), moveText(72, A4[1] - 60), showText(font.encodeText(invisible)), endText());
  }
}

async function pdfOf(build: (pdf: PDFDocument, font: PDFFont) => Promise<void> | void): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  await build(pdf, font);
  return Buffer.from(await pdf.save());
}

/**
 * Every page of the PDF through the steps, as a job has them; the stored JSON result.
 * `oneStep`: as jobs since patch `text-layer-pages-in-one-step` ask, `preprocess` finishes a
 * text-layer page, and `recognize` runs only for the pages it did not; without it, as jobs
 * from before that patch ask.
 */
async function readPdf(f: OcrFixture, bytes: Buffer, outputs: OutputFormat[] = ['text', 'json'], oneStep = true) {
  const jobId = `layer-${Math.random().toString(36).slice(2)}`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const source: UploadSource = { kind: 'upload', key: jobKeys.source({ jobId }, sha256), sha256, bytes: bytes.length, mediaType: 'application/pdf' };
  await f.blobs.put(source.key, bytes);
  const env = activityEnvironment();
  const { loadDocument, preprocessPage, recognizePage, storeResult } = f.activities;
  const doc = await run(env, loadDocument, { jobId, source });
  const pages = [];
  for (const page of doc.pages) {
    const finish = oneStep ? { finish: { languages: ['eng'], outputs } } : {};
    const image = await run(env, preprocessPage, { jobId, source, mediaType: 'application/pdf', page, ...finish });
    pages.push(image.recognized ?? (await run(env, recognizePage, { jobId, page, image, languages: ['eng'], outputs })));
  }
  const stored = await run(env, storeResult, { jobId, pages, outputs, pageErrors: [] });
  const document = JSON.parse((await f.blobs.get(jobKeys.resultDocument({ jobId }))).toString('utf8'));
  return { jobId, pages, stored, document };
}

describe('PDF_TEXT', () => {
  test('when a born-digital page is read (auto), then its text comes from the layer, with word boxes on the page as rendered, and no engine reads it', async () => {
    const f = await fixture('auto');
    const engine = jest.spyOn(f.pool, 'recognize');
    const bytes = await pdfOf((pdf, font) => drawLines(pdf.addPage(A4), font, DIGITAL));

    const { pages, stored, document } = await readPdf(f, bytes);

    expect(engine).not.toHaveBeenCalled();
    engine.mockRestore();
    expect(pages[0]).toMatchObject({ source: 'text-layer', words: DIGITAL.join(' ').split(' ').length });
    const page = document.pages[0];
    expect(page.text.trim().split('\n')).toEqual(DIGITAL);
    expect(stored.engine).toMatch(/^MuPDF \S+ \(text layer\)$/);
    // 72 pt from the left edge at the page's rendering resolution; the first line 100 pt from the top, 12 pt high.
    const first = page.blocks[0].lines[0].words[0];
    const scale = page.dpi / 72;
    expect(first.text).toBe('Quarterly');
    expect(first.bbox.x0).toBeCloseTo(72 * scale, -1);
    expect(first.bbox.y0).toBeGreaterThan(85 * scale);
    expect(first.bbox.y1).toBeLessThan(105 * scale);
    expect(page.width).toBe(Math.round(A4[0] * scale));
  });

  test('when a PDF mixes a born-digital page and a scanned one, then each is read its own way and says so', async () => {
    const bytes = await pdfOf(async (pdf, font) => {
      drawLines(pdf.addPage(A4), font, DIGITAL);
      await scannedPage(pdf, font);
    });

    const { pages, document } = await readPdf(await fixture('auto'), bytes);

    expect(pages.map((page) => page.source)).toEqual(['text-layer', 'ocr']);
    expect(words(document.pages[0].text)).toEqual(words(DIGITAL.join(' ')));
    expect(words(document.pages[1].text)).toEqual(words(SCANNED.join(' ')));
  });

  test('when a scan carries an invisible OCR layer of wrong text, then auto OCRs the page and PDF_TEXT=layer takes the layer as it is', async () => {
    const bytes = await pdfOf((pdf, font) => scannedPage(pdf, font, JUNK));

    const auto = await readPdf(await fixture('auto'), bytes);
    const layer = await readPdf(await fixture('layer'), bytes);

    expect(auto.pages[0]!.source).toBe('ocr');
    expect(words(auto.document.pages[0].text)).toEqual(words(SCANNED.join(' ')));
    expect(layer.pages[0]!.source).toBe('text-layer');
    expect(layer.document.pages[0].text.trim()).toBe(JUNK);
  });

  test('when PDF_TEXT=ocr, then a born-digital page is OCR\'d all the same', async () => {
    const bytes = await pdfOf((pdf, font) => drawLines(pdf.addPage(A4), font, DIGITAL));

    const { pages, document } = await readPdf(await fixture('ocr'), bytes);

    expect(pages[0]!.source).toBe('ocr');
    expect(words(document.pages[0].text)).toEqual(words(DIGITAL.join(' ')));
  });

  test('when hOCR and PDF are asked of a page read from its layer, then the hOCR holds its words and the PDF is the page itself, searchable', async () => {
    const f = await fixture('auto');
    const bytes = await pdfOf((pdf, font) => drawLines(pdf.addPage(A4), font, DIGITAL));

    const { jobId } = await readPdf(f, bytes, ['text', 'json', 'hocr', 'pdf']);

    const hocr = (await f.blobs.get(jobKeys.resultHocr({ jobId }))).toString('utf8');
    expect(hocr).toMatch(/<span class="ocrx_word"[^>]*title="bbox \d+ \d+ \d+ \d+; x_wconf 100">Quarterly<\/span>/);
    const result = await f.blobs.get(jobKeys.resultPdf({ jobId }));
    const pdf = await PDFDocument.load(result);
    expect(pdf.getPageCount()).toBe(1);
    const { width, height } = pdf.getPage(0).getSize();
    expect([Math.round(width), Math.round(height)]).toEqual([595, 842]);
    // The page's own text stays text: its font and its words are in the file.
    const reread = await readPdf(f, Buffer.from(result));
    expect(reread.pages[0]!.source).toBe('text-layer');
    expect(reread.document.pages[0].text.trim().split('\n')).toEqual(DIGITAL);
  });

  test('when a job from before the one-step patch reads a born-digital page, then the page is prepared for OCR, which any version of recognize reads', async () => {
    const f = await fixture('auto');
    const engine = jest.spyOn(f.pool, 'recognize');
    const bytes = await pdfOf(async (pdf, font) => {
      drawLines(pdf.addPage(A4), font, DIGITAL);
      await scannedPage(pdf, font);
    });

    const oneStep = await readPdf(f, bytes);
    const twoSteps = await readPdf(f, bytes, ['text', 'json'], false);

    expect(oneStep.pages.map((page) => page.source)).toEqual(['text-layer', 'ocr']);
    expect(twoSteps.pages.map((page) => page.source)).toEqual(['ocr', 'ocr']);
    // The scanned page once each way, and the born-digital page of the older job.
    expect(engine).toHaveBeenCalledTimes(3);
    engine.mockRestore();
    expect(words(twoSteps.document.pages[0].text)).toEqual(words(DIGITAL.join(' ')));
    expect(words(twoSteps.document.pages[1].text)).toEqual(words(SCANNED.join(' ')));
  });

  test('when recognize is handed a page that a worker of the two-step versions read from its layer, then it finishes it from that layer', async () => {
    const f = await fixture('auto');
    const engine = jest.spyOn(f.pool, 'recognize');
    const bytes = await pdfOf((pdf, font) => drawLines(pdf.addPage(A4), font, DIGITAL));
    const jobId = `layer-${Math.random().toString(36).slice(2)}`;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const source: UploadSource = { kind: 'upload', key: jobKeys.source({ jobId }, sha256), sha256, bytes: bytes.length, mediaType: 'application/pdf' };
    await f.blobs.put(source.key, bytes);
    const env = activityEnvironment();
    const outputs: OutputFormat[] = ['text', 'json'];
    const finished = await run(env, f.activities.preprocessPage, { jobId, source, mediaType: 'application/pdf', page: 1, finish: { languages: ['eng'], outputs } });
    // What those versions' preprocess left: the page's layer as a reading, where the prepared image goes.
    const { recognized: _recognized, ...image } = finished;
    await f.blobs.put(image.imageKey, JSON.stringify(layerReading(await f.deps.pipeline.textLayer(sha256, bytes, 0))));

    const page = await run(env, f.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs, runId: 'two-step-run' });

    expect(engine).not.toHaveBeenCalled();
    engine.mockRestore();
    expect(page).toMatchObject({ source: 'text-layer', words: DIGITAL.join(' ').split(' ').length });
    const stored = JSON.parse((await f.blobs.get(page.resultKey)).toString('utf8'));
    expect(stored.text.trim().split('\n')).toEqual(DIGITAL);
  });
});
