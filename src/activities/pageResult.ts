import { toSourceBlocks } from '../ocr/geometry';
import type { PageReading } from '../ocr/pipeline';
import type { OcrBlock } from '../ocr/types';
import type { JobRef, PageSummary } from '../shared/jobs';
import type { PageAnalysis, PageGeometry, PreprocessedPage, RecognizedPage } from '../shared/steps';
import { jobKeys, type BlobStore } from '../storage/blobStore';
import { storage } from './failures';

/** What the blob store keeps for each recognised page (`jobs/{id}/pages/{n}.json`). */
export interface StoredPage {
  page: number;
  /** Resolution a PDF page was rendered at (its boxes are pixels at it); null for images. */
  dpi?: number | null;
  /** The workflow run that read the page, and the document it read it from: a stored page is only reused by the same run of the same document. */
  runId?: string;
  sourceSha256?: string | null;
  /** The page as submitted, in pixels (after its EXIF orientation); every box is on it. */
  width: number;
  height: number;
  languages: string[];
  /** Where the text came from; absent in pages of older workers (all OCR). */
  source?: PageSummary['source'];
  /** The engine and model that read the page; absent for a blank page (no engine read it) and in pages of older workers. */
  engine?: string;
  /** The page's text in reading order. */
  text: string;
  confidence: number;
  layout: PageSummary['layout'];
  /** Absent in pages of older workers: the prepared page. */
  reading?: PageSummary['reading'];
  blocks: OcrBlock[];
  analysis: PageAnalysis;
  preprocessMs: number;
  recognizeMs: number;
}

function countWords(page: Pick<StoredPage, 'blocks'>): number {
  return page.blocks.reduce((sum, block) => sum + block.lines.reduce((n, line) => n + line.words.length, 0), 0);
}

export function pageSummary(stored: StoredPage): PageSummary {
  return {
    page: stored.page,
    confidence: stored.confidence,
    words: countWords(stored),
    characters: stored.text.trim().length,
    width: stored.width,
    height: stored.height,
    orientation: stored.analysis.orientation,
    skew: stored.analysis.skew,
    layout: stored.layout,
    reading: stored.reading ?? 'prepared',
    source: stored.source ?? 'ocr',
    preprocessMs: stored.preprocessMs,
    recognizeMs: stored.recognizeMs,
  };
}

/** A page's reading; pages of older workers carry no geometry. */
export type Reading = Omit<PageReading, 'geometry'> & { geometry?: PageGeometry | undefined };

/** What is kept of a page read from `image` (its preprocessing) in run `runId`. */
export function storedPage(image: PreprocessedPage, reading: Reading, read: { runId: string; languages: string[]; recognizeMs: number }): StoredPage {
  // Boxes were found on the turned and scaled image; the client sees the page it sent.
  const { geometry } = reading;
  return {
    page: image.page,
    dpi: image.dpi ?? null,
    runId: read.runId,
    sourceSha256: image.sourceSha256 ?? null,
    width: geometry?.sourceWidth ?? image.width,
    height: geometry?.sourceHeight ?? image.height,
    languages: read.languages,
    source: image.textLayer ? 'text-layer' : 'ocr',
    ...(reading.engine ? { engine: reading.engine } : {}),
    text: reading.text,
    confidence: reading.confidence,
    layout: reading.layout,
    reading: reading.reading,
    blocks: geometry ? toSourceBlocks(reading.blocks, geometry) : reading.blocks,
    analysis: image.analysis,
    preprocessMs: image.durationMs,
    recognizeMs: read.recognizeMs,
  };
}

/** Stores a page's PDF page (when it has one), then its result; answers the page as its job keeps it. */
export async function storePageResult(blobs: BlobStore, job: JobRef, runId: string, stored: StoredPage, pdf: Uint8Array | undefined): Promise<RecognizedPage> {
  const resultKey = jobKeys.pageResult(job, runId, stored.page);
  if (pdf) await storage('storing the page PDF', () => blobs.put(jobKeys.pagePdf(job, runId, stored.page), Buffer.from(pdf)));
  // The page result is written last: its presence means the page is complete.
  await storage('storing the page result', () => blobs.put(resultKey, JSON.stringify(stored)));
  return { ...pageSummary(stored), resultKey };
}
