// Messages between the Rasterizer and its MuPDF worker thread.

export interface RasterRequest {
  /** Identifies the document (its hash), so its next pages reuse the parsed copy. */
  documentKey: string;
  /** Sent only when the worker does not hold the document open already. */
  bytes?: Uint8Array;
  mediaType: string;
  /** 0-based page to render; absent to only count pages. */
  pageIndex?: number;
  /** Read the page's text layer instead of rendering it. */
  textLayer?: boolean;
  /** Copy the page out of its PDF as a PDF of its own, instead of rendering it. */
  pagePdf?: boolean;
  /** Resolution for PDF pages; images are drawn at their own pixel size. */
  dpi: number;
  /** Render at a lower resolution where the page would have more pixels than this. */
  maxPixels: number;
}

/** A word of a PDF page's text layer, its box in pixels at the page's rendering resolution. */
export interface LayerWord {
  text: string;
  bbox: { x0: number; y0: number; x1: number; y1: number };
}

/** What a PDF page's text layer holds, and what else is drawn on the page. */
export interface TextLayer {
  /** The page as it would be rendered, in pixels, and at what resolution. */
  width: number;
  height: number;
  dpi: number;
  /** Glyphs drawn visibly, and glyphs drawn invisibly (render mode 3: an OCR layer over a scan). */
  visibleChars: number;
  invisibleChars: number;
  /** The share of the page that images cover (0-1): a scan under a layer covers all of it. */
  imageCover: number;
  /** MuPDF's blocks of lines of words, in its reading order. */
  blocks: Array<{ lines: Array<{ words: LayerWord[] }> }>;
}

export type RasterResponse =
  /** `grey`: the page's grey pixels, `width` × `height`, row after row. */
  | { ok: true; pageCount: number; page?: { grey: Uint8Array; width: number; height: number; dpi: number }; layer?: TextLayer; pdf?: Uint8Array }
  /** The document is not open in the thread: send its bytes. */
  | { ok: false; needBytes: true }
  /** The document cannot be read (`corrupt`), or a page of it cannot be drawn within the pixel limit (`too-large`). */
  | { ok: false; needBytes?: false; fault: 'corrupt' | 'too-large'; message: string };
