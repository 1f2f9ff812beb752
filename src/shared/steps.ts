// Inputs and outputs of the step activities. Small on purpose: page images and
// recognised text live in the blob store, workflow history holds their keys.
import type { CurvedLine } from '../ocr/dewarp';
import type { JobRef, PageError, PageSummary } from './jobs';
import type { OutputFormat, PageRange, UploadSource, UrlSource } from './schemas';

export interface FetchSourceInput extends JobRef {
  source: UrlSource;
}

export interface LoadDocumentInput extends JobRef {
  source: UploadSource;
  /** Pages asked for; every page when absent. */
  pages?: PageRange[] | undefined;
}
export interface LoadedDocument {
  mediaType: string;
  bytes: number;
  pageCount: number;
  /** 1-based numbers of the pages to recognise. */
  pages: number[];
  /** How many pages of this document may be worked on at once (worker config). */
  pageConcurrency: number;
  /** Pages one batch reads when the document has more (worker config); absent from workers before batches. */
  pageBatchSize?: number;
}

/** Given by a batch of a job's pages: the run of the job whose page files they are. */
export interface JobRunRef extends JobRef {
  runId?: string | undefined;
}

export interface PreprocessPageInput extends JobRunRef {
  source: UploadSource;
  mediaType: string;
  page: number;
  /**
   * What a page read from its text layer needs to be finished in this step (its result stored,
   * no `recognize` step after it). Absent in jobs from before patch `text-layer-pages-in-one-step`:
   * their pages are all prepared for OCR, text layer or not.
   */
  finish?: { languages: string[]; outputs: OutputFormat[] };
}
/** What preprocessing found and did to a page; kept in the job's result metadata. */
export interface PageAnalysis {
  /** Clockwise degrees the page was turned to stand upright: 0, 90, 180 or 270. */
  orientation: number;
  /** How the orientation was decided: from the text lines, or by Tesseract's OSD. */
  orientationBy: 'lines' | 'osd' | 'none';
  /** Slope of the text lines (clockwise degrees) that was corrected. */
  skew: number;
  inverted: boolean;
  /** Height of the page's large type (a headline several times its typical letter) on the prepared page; read a second time, scaled down. Absent when none. */
  largeTypePx?: number;
  /** Ruled lines (table rules, underlines, boxes) were painted out before reading. Absent from older workers. */
  unruled?: boolean;
  /** The page was noisy and was read from a smoothed copy. Absent from older workers. */
  smoothed?: boolean;
  /** Dark areas holding light text (title bars, buttons) turned dark on light. Absent from older workers. */
  invertedAreas?: number;
  /** The page holds nothing to read (paper, grain, a speck): it is not recognised. Absent from older workers. */
  blank?: boolean;
  /**
   * `light`: a first look found the page clean (upright, level, even paper, plain text) and
   * only its levels and size were set; `full`: it was analysed in full. Absent from older workers.
   */
  preparation?: 'light' | 'full';
  /** Median letter height found, in source pixels; null on pages without text. */
  characterPx: number | null;
  scale: number;
  timingsMs: Record<string, number>;
}

/**
 * How a page was turned and scaled before it was read: what maps a box found on the image
 * that was read back onto the page as it was submitted.
 */
export interface PageGeometry {
  /** The page as submitted (after its EXIF orientation; a PDF page as rendered), in pixels. */
  sourceWidth: number;
  sourceHeight: number;
  /** The page with its pixels made square (a fax's doubled in height); absent when they were already. */
  squareWidth?: number;
  squareHeight?: number;
  /**
   * A photographed page mapped flat: the homography (nine numbers, row by row) from the
   * flat page (flatWidth x flatHeight) to the square-pixel page. Absent when not needed.
   */
  perspective?: number[];
  flatWidth?: number;
  flatHeight?: number;
  /**
   * A curled page straightened: its traced lines, top to bottom (each y = a·(x−centre)² +
   * b·(x−centre) + c on the page before straightening, straight at `level` after). Absent when not needed.
   */
  bend?: CurvedLine[];
  /** Clockwise degrees the page was turned about its centre before it was read. */
  rotation: number;
  /** Size once turned (the canvas grows to hold a page turned by an odd angle). */
  turnedWidth: number;
  turnedHeight: number;
  /** Size of the image that was read, after scaling the turned page. */
  width: number;
  height: number;
}

export interface PreprocessedPage {
  page: number;
  imageKey: string;
  /** SHA-256 of the document the page came from (absent in pages of older workers). */
  sourceSha256?: string;
  width: number;
  height: number;
  analysis: PageAnalysis;
  durationMs: number;
  /** Absent in pages prepared by older workers: their boxes stay on the image that was read. */
  geometry?: PageGeometry;
  /** Resolution a PDF page was rendered at; null for images. */
  dpi?: number | null;
  /** The document the page is from, for a plain reading beside the prepared one (absent from older workers). */
  source?: UploadSource;
  mediaType?: string;
  /** A PDF page read from its text layer: `imageKey` holds that reading (JSON), not an image. */
  textLayer?: boolean;
  /** A text-layer page finished in this step (asked for with `finish`): its stored result, as `recognize` answers it. */
  recognized?: RecognizedPage;
}

export interface RecognizePageInput extends JobRunRef {
  page: number;
  image: PreprocessedPage;
  languages: string[];
  outputs: OutputFormat[];
}
export interface RecognizedPage extends PageSummary {
  resultKey: string;
}

export interface StoreResultInput extends JobRef {
  /** The pages that were read; failed pages are missing. */
  pages: RecognizedPage[];
  outputs: OutputFormat[];
  pageErrors: PageError[];
  /**
   * A job read in batches passes no pages: the step takes every page this run stored, and the
   * page errors its batches kept besides `pageErrors`.
   */
  pagesOfRun?: boolean;
}

/** The page errors of one batch of a job's pages, kept for its result. */
export interface KeepPageErrorsInput extends JobRunRef {
  batch: number;
  pageErrors: PageError[];
}
/** What the clean-up of a failed or cancelled job needs. */
export type DiscardWorkingFilesInput = JobRef;

export interface StoredResult {
  resultKey: string;
  confidence: number;
  characters: number;
  engine: string;
  /** Pages in the result; absent from workers before batches. */
  pageCount?: number;
}
