// Runs in a worker thread: renders pages of documents sharp cannot read (PDF, BMP) with
// MuPDF. An ES module because MuPDF's WebAssembly build is one; opened documents are kept
// for the next page of the same document. Everything MuPDF throws is about the document
// (a damaged file, a cyclic page tree): the thread itself failing is seen by its owner.
import { parentPort } from 'node:worker_threads';
import * as mupdf from 'mupdf';
import type { RasterRequest, RasterResponse } from './rasterProtocol.js';
import { lowerThisThread } from './priority.js';

lowerThisThread();

const OPEN_DOCUMENTS = 4;
/** PDF pages are rendered no coarser than this; a page too big even then is refused. */
const MIN_DPI = 36;

class NeedBytes extends Error {}
class TooLarge extends Error {}

interface OpenDocument {
  document: mupdf.Document;
  /** For images: the resolution at which a page is drawn at the image's own pixel size. */
  nativeDpi: number | null;
  /** For images: their pixel count, from the header. */
  imagePixels: number | null;
}

const open = new Map<string, OpenDocument>();

/**
 * A BMP's size from its header, read before MuPDF sees the file: MuPDF decodes an image
 * whole, so a bomb must be refused by what it declares.
 */
function bmpSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 26) throw new Error('the BMP header is cut short');
  const headerSize = view.getUint32(14, true);
  if (headerSize === 12) return { width: view.getUint16(18, true), height: view.getUint16(20, true) };
  // Height is negative for top-down bitmaps.
  return { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
}

function documentFor({ documentKey, bytes, mediaType, maxPixels }: RasterRequest): OpenDocument {
  const cached = open.get(documentKey);
  if (cached) {
    open.delete(documentKey);
    open.set(documentKey, cached);
    return cached;
  }
  if (!bytes) throw new NeedBytes();
  let imagePixels: number | null = null;
  if (mediaType === 'image/bmp') {
    const { width, height } = bmpSize(bytes);
    imagePixels = width * height;
    if (imagePixels > maxPixels) {
      throw new TooLarge(`the image declares ${width}x${height} pixels, over the limit of ${maxPixels}`);
    }
  }
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
  const entry = { document, nativeDpi, imagePixels };
  open.set(documentKey, entry);
  while (open.size > OPEN_DOCUMENTS) {
    const [oldest, doc] = open.entries().next().value as [string, OpenDocument];
    open.delete(oldest);
    doc.document.destroy();
  }
  return entry;
}

/** The resolution to draw a page at: `wanted`, lowered until the page fits the pixel limit. */
function fittingDpi(points: number, wanted: number, maxPixels: number, pageIndex: number): number {
  const pixelsAt = (dpi: number) => (points * dpi * dpi) / (72 * 72);
  const dpi = wanted * Math.min(1, Math.sqrt(maxPixels / Math.max(1, pixelsAt(wanted))));
  if (dpi >= MIN_DPI) return dpi;
  throw new TooLarge(
    `page ${pageIndex + 1} would have ${Math.round(pixelsAt(MIN_DPI))} pixels even at ${MIN_DPI} dpi, over the limit of ${maxPixels}`,
  );
}

/**
 * The grey pixels of a pixmap, row after row with no padding, copied out of MuPDF's memory:
 * the page goes to its owner as it is, not encoded as a PNG to be decoded there again.
 */
function greyPixels(pixmap: mupdf.Pixmap): Uint8Array {
  const width = pixmap.getWidth();
  const height = pixmap.getHeight();
  const stride = pixmap.getStride();
  const samples = pixmap.getPixels();
  if (stride === width) return new Uint8Array(samples.subarray(0, width * height));
  const grey = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) grey.set(samples.subarray(y * stride, y * stride + width), y * width);
  return grey;
}

function handle(request: RasterRequest): RasterResponse {
  const { document, nativeDpi } = documentFor(request);
  const pageCount = document.countPages();
  if (request.pageIndex === undefined) return { ok: true, pageCount };
  const page = document.loadPage(request.pageIndex);
  try {
    const [x0, y0, x1, y1] = page.getBounds();
    const points = Math.abs((x1 - x0) * (y1 - y0));
    // Images are drawn at their own size (checked at open); PDF pages at the asked
    // resolution, lowered so that a big page still fits the pixel limit.
    const dpi = nativeDpi ?? fittingDpi(points, request.dpi, request.maxPixels, request.pageIndex);
    const pixmap = page.toPixmap(mupdf.Matrix.scale(dpi / 72, dpi / 72), mupdf.ColorSpace.DeviceGray, false, true);
    try {
      return { ok: true, pageCount, page: { grey: greyPixels(pixmap), width: pixmap.getWidth(), height: pixmap.getHeight(), dpi } };
    } finally {
      pixmap.destroy();
    }
  } finally {
    page.destroy();
  }
}

parentPort?.on('message', (request: RasterRequest) => {
  let response: RasterResponse;
  try {
    response = handle(request);
  } catch (err) {
    if (err instanceof NeedBytes) {
      response = { ok: false, needBytes: true };
    } else {
      const message = err instanceof Error ? err.message : String(err);
      const tooLarge = err instanceof TooLarge || /overly large|too large|exceeds/i.test(message);
      response = { ok: false, fault: tooLarge ? 'too-large' : 'corrupt', message };
    }
  }
  parentPort?.postMessage(response, response.ok && response.page ? [response.page.grey.buffer as ArrayBuffer] : []);
});
