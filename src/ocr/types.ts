// What the OCR engine gives back for one page, in page pixel coordinates.

export interface BoundingBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrWord {
  text: string;
  confidence: number;
  bbox: BoundingBox;
}

export interface OcrLine {
  text: string;
  confidence: number;
  bbox: BoundingBox;
  words: OcrWord[];
}

export interface OcrBlock {
  text: string;
  confidence: number;
  bbox: BoundingBox;
  lines: OcrLine[];
}

export interface PageRecognition {
  text: string;
  /** Mean word confidence, 0-100 (0 when the page has no words). */
  confidence: number;
  blocks: OcrBlock[];
  /** A one-page searchable PDF (the image with an invisible text layer), when asked for. */
  pdf?: Uint8Array;
  /** The engine and model that read the page (`tesseract 5.3.0 (native, …)`, `tesseract.js 5.1.1 (…)`). */
  engine?: string;
}

export interface RecognizeOptions {
  languages: string[];
  /** Also render the page as a searchable PDF. */
  pdf?: boolean;
  /** Aborting stops waiting for the page and discards the engine working on it. */
  signal?: AbortSignal;
  /** Called with the fraction of the page recognised so far, 0-1. */
  onProgress?: (fraction: number) => void;
  /** The page's number in its document, for traces. */
  page?: number;
  /**
   * How the engine finds the text: `block` (the default) reads the image as one uniform
   * block of lines; `sparse` finds text wherever it is, line by line, for an image whose
   * lines differ too much in size for one block (a headline's first line can be lost in it).
   */
  segmentation?: 'block' | 'sparse';
}

export interface OcrEngine {
  recognize(image: Buffer, options: RecognizeOptions): Promise<PageRecognition>;
  close(): Promise<void>;
}
