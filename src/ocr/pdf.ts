import { PDFDocument } from 'pdf-lib';

/** Joins one-page PDFs, in order, into one document. */
export async function mergePdfs(pages: Uint8Array[], title: string): Promise<Uint8Array> {
  const merged = await PDFDocument.create();
  merged.setTitle(title);
  merged.setProducer('ocr-jobs');
  for (const bytes of pages) {
    const source = await PDFDocument.load(bytes);
    for (const page of await merged.copyPages(source, source.getPageIndices())) merged.addPage(page);
  }
  return merged.save();
}
