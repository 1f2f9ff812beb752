// Runs in a worker thread: renders pages of documents sharp cannot read (PDF, BMP) with
// MuPDF. An ES module because MuPDF's WebAssembly build is one; opened documents are kept
// for the next page of the same document. Everything MuPDF throws is about the document
// (a damaged file, a cyclic page tree): the thread itself failing is seen by its owner.
import { parentPort } from 'node:worker_threads';
import * as mupdf from 'mupdf';
import type { LayerWord, RasterRequest, RasterResponse, TextLayer } from './rasterProtocol.js';
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

/** Glyphs in a run of text. */
function glyphCount(text: mupdf.Text): number {
  let count = 0;
  text.walk({ showGlyph: () => count++ });
  return count;
}

/**
 * The page's text layer (MuPDF's structured text: blocks, lines, characters with their
 * boxes, split into words at white space), with how much of it is drawn visibly and how
 * much of the page images cover, read without rendering a pixel.
 */
function textLayer(page: mupdf.Page, dpi: number, points: number): TextLayer {
  const scale = dpi / 72;
  // Boxes are on the page as rendered: from its top-left corner, in pixels at `dpi`.
  const [left, top, right, bottom] = page.getBounds();
  let visibleChars = 0;
  let invisibleChars = 0;
  let imageArea = 0;
  const image = (_image: mupdf.Image, ctm: mupdf.Matrix) => {
    // An image fills the unit square mapped by its matrix: its area is the matrix's determinant.
    imageArea += Math.abs(ctm[0] * ctm[3] - ctm[1] * ctm[2]);
  };
  const device = new mupdf.Device({
    fillText: (text) => (visibleChars += glyphCount(text)),
    strokeText: (text) => (visibleChars += glyphCount(text)),
    ignoreText: (text) => (invisibleChars += glyphCount(text)),
    fillImage: image,
    fillImageMask: image,
  });
  try {
    page.run(device, mupdf.Matrix.identity);
    device.close();
  } finally {
    device.destroy();
  }
  const blocks: TextLayer['blocks'] = [];
  let lines: Array<{ words: LayerWord[] }> = [];
  let words: LayerWord[] = [];
  let word: LayerWord | null = null;
  const endWord = () => {
    if (word) words.push(word);
    word = null;
  };
  const structured = page.toStructuredText('preserve-whitespace');
  try {
    structured.walk({
      beginTextBlock: () => (lines = []),
      beginLine: () => (words = []),
      onChar: (c, _origin, _font, _size, quad) => {
        if (!c.trim()) return endWord();
        const xs = [quad[0], quad[2], quad[4], quad[6]].map((x) => (x - left) * scale);
        const ys = [quad[1], quad[3], quad[5], quad[7]].map((y) => (y - top) * scale);
        const box = { x0: Math.floor(Math.min(...xs)), y0: Math.floor(Math.min(...ys)), x1: Math.ceil(Math.max(...xs)), y1: Math.ceil(Math.max(...ys)) };
        if (!word) word = { text: c, bbox: box };
        else {
          word.text += c;
          word.bbox = { x0: Math.min(word.bbox.x0, box.x0), y0: Math.min(word.bbox.y0, box.y0), x1: Math.max(word.bbox.x1, box.x1), y1: Math.max(word.bbox.y1, box.y1) };
        }
      },
      endLine: () => {
        endWord();
        if (words.length) lines.push({ words });
      },
      endTextBlock: () => {
        if (lines.length) blocks.push({ lines });
      },
    });
  } finally {
    structured.destroy();
  }
  return {
    width: Math.round((right - left) * scale),
    height: Math.round((bottom - top) * scale),
    dpi,
    visibleChars,
    invisibleChars,
    imageCover: Math.min(1, imageArea / Math.max(1, points)),
    blocks,
  };
}

/** One page of a PDF as a PDF of its own (its text, fonts and images as they are). */
function pagePdf(document: mupdf.Document, pageIndex: number): Uint8Array {
  const source = document.asPDF();
  if (!source) throw new Error('not a PDF');
  const single = new mupdf.PDFDocument();
  try {
    single.graftPage(-1, source, pageIndex);
    const buffer = single.saveToBuffer('garbage=compact');
    try {
      return new Uint8Array(buffer.asUint8Array());
    } finally {
      buffer.destroy();
    }
  } finally {
    single.destroy();
  }
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
    if (request.textLayer) return { ok: true, pageCount, layer: textLayer(page, dpi, points) };
    if (request.pagePdf) return { ok: true, pageCount, pdf: pagePdf(document, request.pageIndex) };
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
