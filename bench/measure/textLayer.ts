// Born-digital PDF pages read from their text layer (PDF_TEXT=auto): the step's own cost per
// page on one core, and a whole document through the service, against OCR of the same pages
// (PDF_TEXT=ocr) in the same run.
import os from 'node:os';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { Rasterizer } from '../../src/ocr/rasterizer';
import { layerReading, readsFromLayer } from '../../src/ocr/textLayer';
import { pooledCer, score } from '../eval/metrics';
import { submitAndWait } from '../lib/jobs';
import { startStack } from '../lib/stack';
import { round } from '../lib/stats';

const LINES_PER_PAGE = 40;

/** A born-digital PDF of `pages` A4 pages of office prose, and each page's expected text. */
async function digitalDocument(pages: number): Promise<{ bytes: Buffer; texts: string[] }> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const texts: string[] = [];
  for (let p = 0; p < pages; p++) {
    const page = pdf.addPage([595.3, 841.9]);
    const lines = Array.from({ length: LINES_PER_PAGE }, (_, i) => `Page ${p + 1} line ${i + 1}: the delivery of order ${1000 + p * 50 + i} is confirmed for Monday.`);
    lines.forEach((line, i) => page.drawText(line, { x: 56, y: 800 - i * 18, size: 10, font }));
    texts.push(lines.join('\n'));
  }
  return { bytes: Buffer.from(await pdf.save()), texts };
}

export async function textLayerThroughput(pageCount: number, ocrPages: number) {
  const { bytes, texts } = await digitalDocument(pageCount);
  // The step itself, in one MuPDF thread: read each page's layer and turn it into a reading.
  const rasterizer = new Rasterizer({ dpi: 300, maxPixels: 100_000_000, timeoutMs: 60_000 });
  let stepSeconds: number;
  try {
    await rasterizer.textLayer('bench', bytes, 'application/pdf', 0);
    const started = performance.now();
    for (let i = 0; i < pageCount; i++) {
      const layer = await rasterizer.textLayer('bench', bytes, 'application/pdf', i);
      if (!readsFromLayer(layer, 'auto')) throw new Error(`page ${i + 1} was not taken as text`);
      layerReading(layer);
    }
    stepSeconds = (performance.now() - started) / 1000;
  } finally {
    await rasterizer.close();
  }
  const cores = os.availableParallelism();
  const throughService = async (pdfText: 'auto' | 'ocr', document: Buffer, expected: string[]) => {
    const stack = await startStack({ workers: 1, poolSize: cores, env: { PDF_TEXT: pdfText } });
    try {
      const started = performance.now();
      const job = await submitAndWait(stack.api, document, 'application/pdf', 30);
      const seconds = (performance.now() - started) / 1000;
      const cer = pooledCer(job.text.split('\f').map((text, i) => score(expected[i] ?? '', text)));
      return { status: job.status, pagesPerSecond: round(expected.length / seconds, 2), cer: round(cer * 100, 2) };
    } finally {
      await stack.stop();
    }
  };
  const layer = await throughService('auto', bytes, texts);
  const { bytes: few, texts: fewTexts } = await digitalDocument(ocrPages);
  const ocr = await throughService('ocr', few, fewTexts);
  return {
    pages: pageCount,
    cores,
    stepPagesPerSecondPerCore: round(pageCount / stepSeconds, 1),
    serviceLayer: layer,
    serviceOcr: { ...ocr, pages: ocrPages },
    layerOverOcr: round(layer.pagesPerSecond / ocr.pagesPerSecond, 1),
  };
}
