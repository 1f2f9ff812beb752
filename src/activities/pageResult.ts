import type { OcrBlock } from '../ocr/types';
import type { PageSummary } from '../shared/jobs';
import type { PageAnalysis } from '../shared/steps';

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
