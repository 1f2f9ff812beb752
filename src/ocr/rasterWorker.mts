// Runs in a worker thread: renders pages of documents sharp cannot read (PDF, BMP) with
// MuPDF. An ES module because MuPDF's WebAssembly build is one; opened documents are kept
// for the next page of the same document.
import { parentPort } from 'node:worker_threads';
import * as mupdf from 'mupdf';
import type { RasterRequest, RasterResponse } from './rasterProtocol.js';

const OPEN_DOCUMENTS = 4;

class NeedBytes extends Error {}
interface OpenDocument {
  document: mupdf.Document;
  /** For images: the resolution at which a page is drawn at the image's own pixel size. */
  nativeDpi: number | null;
}

const open = new Map<string, OpenDocument>();

function documentFor({ documentKey, bytes, mediaType }: RasterRequest): OpenDocument {
  const cached = open.get(documentKey);
  if (cached) {
    open.delete(documentKey);
    open.set(documentKey, cached);
    return cached;
  }
  if (!bytes) throw new NeedBytes();
  const document = mupdf.Document.openDocument(bytes, mediaType);
  if (document.needsPassword()) {
    document.destroy();
    throw new Error('the document is password-protected');
  }
  let nativeDpi: number | null = null;
  if (mediaType !== 'application/pdf') {
    const image = new mupdf.Image(bytes);
    const page = document.loadPage(0);
    const [x0, , x1] = page.getBounds();
    nativeDpi = (72 * image.getWidth()) / Math.max(1, x1 - x0);
    page.destroy();
    image.destroy();
  }
  const entry = { document, nativeDpi };
  open.set(documentKey, entry);
  while (open.size > OPEN_DOCUMENTS) {
    const [oldest, doc] = open.entries().next().value as [string, OpenDocument];
    open.delete(oldest);
    doc.document.destroy();
  }
  return entry;
}

function handle(request: RasterRequest): RasterResponse {
  let document: mupdf.Document;
  let nativeDpi: number | null;
  try {
    ({ document, nativeDpi } = documentFor(request));
  } catch (err) {
    if (err instanceof NeedBytes) return { id: request.id, ok: false, message: 'document not open', corrupt: false, needBytes: true };
    return { id: request.id, ok: false, message: (err as Error).message, corrupt: true };
  }
  const pageCount = document.countPages();
  if (request.pageIndex === undefined) return { id: request.id, ok: true, pageCount };
  const page = document.loadPage(request.pageIndex);
  try {
    const [x0, y0, x1, y1] = page.getBounds();
    const points = (x1 - x0) * (y1 - y0);
    // Pixels grow with the square of the resolution: lower it until the page fits the limit.
    const wanted = nativeDpi ?? request.dpi;
    const fit = Math.sqrt(request.maxPixels / Math.max(1, (points * wanted * wanted) / (72 * 72)));
    const dpi = Math.max(36, wanted * Math.min(1, fit));
    const pixmap = page.toPixmap(mupdf.Matrix.scale(dpi / 72, dpi / 72), mupdf.ColorSpace.DeviceGray, false, true);
    try {
      return {
        id: request.id,
        ok: true,
        pageCount,
        page: { png: pixmap.asPNG(), width: pixmap.getWidth(), height: pixmap.getHeight(), dpi },
      };
    } finally {
      pixmap.destroy();
    }
  } catch (err) {
    return { id: request.id, ok: false, message: (err as Error).message, corrupt: true };
  } finally {
    page.destroy();
  }
}

parentPort?.on('message', (request: RasterRequest) => {
  let response: RasterResponse;
  try {
    response = handle(request);
  } catch (err) {
    response = { id: request.id, ok: false, message: (err as Error).message, corrupt: false };
  }
  parentPort?.postMessage(response, response.ok && response.page ? [response.page.png.buffer as ArrayBuffer] : []);
});
