// Taking large lines into a page's reading: the lines a second reading of a scaled-down copy
// found (a headline several times the body's size, which the first reading can take for a
// picture or lose), put in their place in the reading's text and blocks.
import { boxAround } from './geometry';
import { median } from './imaging';
import type { BoundingBox, OcrLine, PageRecognition } from './types';

/** A large line, and whether a sparse reading found it (a block reading otherwise). */
export interface LargeLine {
  line: OcrLine;
  sparse: boolean;
}

/** A place where no word of the reading lies over this share of its own box is empty. */
const EMPTY_PLACE_OVERLAP = 0.25;
/** A read line is in a large line's place when at least this share of its box is under it. */
const SAME_PLACE = 0.5;

function area(box: BoundingBox): number {
  return Math.max(0, box.x1 - box.x0) * Math.max(0, box.y1 - box.y0);
}

function overlap(a: BoundingBox, b: BoundingBox): number {
  return area({ x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) });
}

const middle = (box: BoundingBox) => (box.y0 + box.y1) / 2;

/**
 * The reading with the large lines taken in, in the order given. A large line replaces what
 * the reading made of the same place when every line there was read less surely (a headline
 * half read), and is left out when one was read as surely or more. Where the reading has no
 * line, a block reading's line is put in, and a sparse reading's only where no word at all
 * lies over it (a sparse reading finds lines in the noise of small print too). A line put in
 * goes before the first line of the text whose middle lies below its own (a large line's
 * descenders can reach into the line under it), large lines already put in included. The
 * large lines become one block of their own, among the reading's blocks from the top.
 */
export function withLargeLines<T extends PageRecognition>(ours: T, candidates: readonly LargeLine[]): T {
  let readLines = ours.blocks.flatMap((block) => block.lines);
  let text = ours.text;
  const lines: OcrLine[] = [];
  const putIn = (line: OcrLine) => {
    const below = [...readLines, ...lines].filter((read) => middle(read.bbox) > middle(line.bbox) && text.includes(read.text));
    const next = below.reduce<OcrLine | undefined>((first, read) => (first && text.indexOf(first.text) <= text.indexOf(read.text) ? first : read), undefined);
    text = next ? text.replace(next.text, `${line.text}\n${next.text}`) : `${text.trimEnd()}\n${line.text}\n`;
    lines.push(line);
  };
  const emptyPlace = (line: OcrLine) =>
    ![...readLines, ...lines].some((read) => read.words.some((word) => overlap(word.bbox, line.bbox) >= EMPTY_PLACE_OVERLAP * area(word.bbox)));
  for (const { line, sparse } of candidates) {
    const there = readLines.filter((read) => overlap(read.bbox, line.bbox) >= SAME_PLACE * area(read.bbox));
    if (there.some((read) => read.confidence >= line.confidence)) continue;
    if (there.length) {
      text = text.replace(there[0]!.text, line.text);
      for (const read of there.slice(1)) text = text.replace(`${read.text}\n`, '').replace(read.text, '');
      readLines = readLines.filter((read) => !there.includes(read));
      lines.push(line);
    } else if (!sparse || emptyPlace(line)) {
      putIn(line);
    }
  }
  if (lines.length === 0) return ours;
  const block = {
    text: lines.map((line) => line.text).join('\n'),
    confidence: median(lines.map((line) => line.confidence)),
    bbox: boxAround(lines.map((line) => line.bbox)),
    lines,
  };
  const kept = ours.blocks.map((b) => ({ ...b, lines: b.lines.filter((line) => readLines.includes(line)) })).filter((b) => b.lines.length);
  const blocks = [...kept, block].sort((a, b) => a.bbox.y0 - b.bbox.y0);
  return { ...ours, blocks, text };
}
