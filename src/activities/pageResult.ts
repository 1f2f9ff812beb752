import type { OcrBlock } from '../ocr/types';

/** What the blob store keeps for each recognised page (`jobs/{id}/pages/{n}.json`). */
export interface StoredPage {
  page: number;
  width: number;
  height: number;
  languages: string[];
  text: string;
  confidence: number;
  blocks: OcrBlock[];
  durationMs: number;
}

export function countWords(page: Pick<StoredPage, 'blocks'>): number {
  return page.blocks.reduce((sum, block) => sum + block.lines.reduce((n, line) => n + line.words.length, 0), 0);
}
