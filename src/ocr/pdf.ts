import { PDFDocument } from 'pdf-lib';

/**
 * Joins one-page PDFs, in order, into one document, taking them one at a time so only the
 * document being built is held, not every page's own file besides.
 */
export class PdfMerger {
  private constructor(private readonly merged: PDFDocument) {}

  static async create(title: string): Promise<PdfMerger> {
    const merged = await PDFDocument.create();
    merged.setTitle(title);
    merged.setProducer('ocr-jobs');
    return new PdfMerger(merged);
  }

  async add(bytes: Uint8Array): Promise<void> {
    const source = await PDFDocument.load(bytes);
    for (const page of await this.merged.copyPages(source, source.getPageIndices())) this.merged.addPage(page);
  }

  save(): Promise<Uint8Array> {
    return this.merged.save();
  }
}

/** The density prepared page images are written at (see OcrPipeline.preparePage). */
const PAGE_IMAGE_DPI = 300;

/** A one-page PDF of an image and no text: the searchable PDF's page for a page with nothing to read. */
export async function imageOnlyPdf(png: Buffer, width: number, height: number): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const image = await document.embedPng(png);
  const [w, h] = [(width * 72) / PAGE_IMAGE_DPI, (height * 72) / PAGE_IMAGE_DPI];
  document.addPage([w, h]).drawImage(image, { x: 0, y: 0, width: w, height: h });
  return document.save();
}
