// Reading order of a page's text, rebuilt from word boxes. Tesseract's automatic page
// segmentation sometimes runs lines of neighbouring columns together (or splits a table into
// columns); word positions tell which layout a page has, and so in which order to read it.
import type { PageLayout } from '../shared/jobs';
import type { BoundingBox, OcrBlock, OcrWord } from './types';

interface Row {
  top: number;
  bottom: number;
  words: OcrWord[];
}

interface Segment {
  x0: number;
  x1: number;
  words: OcrWord[];
}

/** A gap wider than this many letter heights between words on a row separates columns. */
const GUTTER_HEIGHTS = 1.8;
/** Column segments with no more words than this, on average, make a table. */
const TABLE_WORDS_PER_CELL = 3;

const middle = (box: BoundingBox) => (box.y0 + box.y1) / 2;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * The page's text in reading order and the layout found. Single-column text keeps
 * Tesseract's own text (with its paragraph breaks); columns of prose are read one column
 * after the other; tables row by row.
 */
export function readingOrder(blocks: OcrBlock[], tesseractText: string): { text: string; layout: PageLayout } {
  const words = blocks.flatMap((block) => block.lines.flatMap((line) => line.words)).filter((w) => w.text.trim());
  if (words.length < 8) return { text: tesseractText, layout: 'flow' };
  const height = median(words.map((w) => w.bbox.y1 - w.bbox.y0));
  const rows = groupRows(words, height);
  const segmented = rows.map((row) => splitRow(row, height * GUTTER_HEIGHTS));
  const split = segmented.filter((segments) => segments.length > 1);
  if (split.length < 3) return { text: tesseractText, layout: 'flow' };

  const cells = split.flat();
  const wordsPerCell = cells.reduce((sum, cell) => sum + cell.words.length, 0) / cells.length;
  if (wordsPerCell <= TABLE_WORDS_PER_CELL) {
    return { text: segmented.map((segments) => segments.map(segmentText).join(' ')).join('\n'), layout: 'table' };
  }
  return { text: readColumns(segmented, height), layout: 'columns' };
}

/** Words into rows by vertical overlap, top to bottom; each row left to right. */
function groupRows(words: OcrWord[], height: number): Row[] {
  const rows: Row[] = [];
  for (const word of [...words].sort((a, b) => middle(a.bbox) - middle(b.bbox))) {
    const center = middle(word.bbox);
    const row = rows.at(-1);
    if (row && center <= row.bottom && center - (row.top + row.bottom) / 2 < height * 0.6) {
      row.words.push(word);
      row.top = Math.min(row.top, word.bbox.y0);
      row.bottom = Math.max(row.bottom, word.bbox.y1);
    } else {
      rows.push({ top: word.bbox.y0, bottom: word.bbox.y1, words: [word] });
    }
  }
  for (const row of rows) row.words.sort((a, b) => a.bbox.x0 - b.bbox.x0);
  return rows;
}

function splitRow(row: Row, gutter: number): Segment[] {
  const segments: Segment[] = [];
  for (const word of row.words) {
    const last = segments.at(-1);
    if (last && word.bbox.x0 - last.x1 < gutter) {
      last.words.push(word);
      last.x1 = Math.max(last.x1, word.bbox.x1);
    } else {
      segments.push({ x0: word.bbox.x0, x1: word.bbox.x1, words: [word] });
    }
  }
  return segments;
}

const segmentText = (segment: Segment) => segment.words.map((w) => w.text).join(' ');

/**
 * Columns of prose. Rows that run across the gutters (titles, full-width paragraphs) are
 * read where they stand; between them, each run of rows is read column by column, the
 * columns being the x-ranges the rows' segments share.
 */
function readColumns(rows: Segment[][], height: number): string {
  const columns = columnRanges(rows.filter((segments) => segments.length > 1).flat(), height);
  const spans = (segment: Segment) => columns.filter((c) => segment.x0 < c.x1 && segment.x1 > c.x0).length > 1;
  const out: string[] = [];
  let band: Segment[][] = [];
  const flush = () => {
    for (const column of columns) {
      for (const segments of band) {
        const inColumn = segments.filter((s) => s.x0 >= column.x0 - height && s.x0 < column.x1);
        if (inColumn.length) out.push(inColumn.map(segmentText).join(' '));
      }
    }
    band = [];
  };
  for (const segments of rows) {
    if (segments.length === 1 && spans(segments[0]!)) {
      flush();
      out.push(segmentText(segments[0]!));
    } else {
      band.push(segments);
    }
  }
  flush();
  return out.join('\n');
}

/** The x-ranges of columns: overlapping segment extents merged, left to right. */
function columnRanges(segments: Segment[], height: number): Array<{ x0: number; x1: number }> {
  const ranges: Array<{ x0: number; x1: number }> = [];
  for (const segment of [...segments].sort((a, b) => a.x0 - b.x0)) {
    const last = ranges.at(-1);
    if (last && segment.x0 <= last.x1 + height * 0.5) last.x1 = Math.max(last.x1, segment.x1);
    else ranges.push({ x0: segment.x0, x1: segment.x1 });
  }
  return ranges;
}
