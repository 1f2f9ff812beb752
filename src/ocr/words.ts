// The words of a page's reading and their mean confidence, for the engines that make a
// reading and the steps that change one.
import type { OcrWord, PageRecognition } from './types';

/** Every word of a reading, block by block and line by line. */
export function pageWords({ blocks }: Pick<PageRecognition, 'blocks'>): OcrWord[] {
  return blocks.flatMap((block) => block.lines.flatMap((line) => line.words));
}

/** The words' mean confidence to two decimals (a page's confidence); 0 without words. */
export function meanConfidence(words: readonly OcrWord[]): number {
  if (words.length === 0) return 0;
  return Math.round((words.reduce((sum, word) => sum + word.confidence, 0) / words.length) * 100) / 100;
}
