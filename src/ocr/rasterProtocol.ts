// Messages between the Rasterizer and its MuPDF worker thread.

export interface RasterRequest {
  /** Identifies the document (its hash), so its next pages reuse the parsed copy. */
  documentKey: string;
  /** Sent only when the worker does not hold the document open already. */
  bytes?: Uint8Array;
  mediaType: string;
  /** 0-based page to render; absent to only count pages. */
  pageIndex?: number;
  /** Resolution for PDF pages; images are drawn at their own pixel size. */
  dpi: number;
  /** Render at a lower resolution where the page would have more pixels than this. */
  maxPixels: number;
}

export type RasterResponse =
  /** `grey`: the page's grey pixels, `width` × `height`, row after row. */
  | { ok: true; pageCount: number; page?: { grey: Uint8Array; width: number; height: number; dpi: number } }
  /** The document is not open in the thread: send its bytes. */
  | { ok: false; needBytes: true }
  /** The document cannot be read (`corrupt`), or a page of it cannot be drawn within the pixel limit (`too-large`). */
  | { ok: false; needBytes?: false; fault: 'corrupt' | 'too-large'; message: string };
