// Reading order of a page's text, rebuilt from word boxes. Tesseract's automatic page
// segmentation sometimes runs lines of neighbouring columns together (or splits a table into
// columns); word positions tell which layout a page has, and so in which order to read it.
import type { PageLayout } from '../shared/jobs';
import { median } from './imaging';
import type { BoundingBox, OcrBlock, OcrWord } from './types';
import { pageWords } from './words';

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

/** Regions side by side each have at least this many lines beside the other. */
const SIDE_ROWS = 3;
/** A side whose lines have a line beside them this often lines up with the other side. */
const LINED_UP = 0.8;
/** A mark more than this many letter heights tall is not a word of a line beside another. */
const TALL_MARK = 3;
/** A word read with less confidence than this is unsure. */
const SURE_WORD = 30;
/** A gap wider than this many letter heights between words on a row separates columns. */
const GUTTER_HEIGHTS = 1.8;
/** Column segments with no more words than this, on average, make a table. */
const TABLE_WORDS_PER_CELL = 3;

const middle = (box: BoundingBox) => (box.y0 + box.y1) / 2;

/**
 * The page's text in reading order and the layout found. Single-column text keeps
 * Tesseract's own text (with its paragraph breaks); columns of prose are read one column
 * after the other; tables row by row.
 */
export function readingOrder(blocks: OcrBlock[], tesseractText: string): { text: string; layout: PageLayout } {
  const words = pageWords({ blocks }).filter((w) => w.text.trim());
  if (words.length < 8) return { text: tesseractText, layout: 'flow' };
  const height = median(words.map((w) => w.bbox.y1 - w.bbox.y0));
  // Regions side by side whose lines do not line up (a sidebar beside a screen's content):
  // each is read whole, in turn.
  const regions = cutRegions(words, height);
  if (regions.sideBySide) return { text: regions.text, layout: 'columns' };
  return orderRows(words, height, tesseractText);
}

/** Rows of one region read as a table (row by row), as columns of prose, or (flow) as Tesseract read them. */
function orderRows(words: OcrWord[], height: number, flowText: string): { text: string; layout: PageLayout } {
  const rows = groupRows(words, height);
  const segmented = rows.map((row) => splitRow(row, height * GUTTER_HEIGHTS));
  const split = segmented.filter((segments) => segments.length > 1);
  if (split.length < 3) return { text: flowText, layout: 'flow' };

  const cells = split.flat();
  const wordsPerCell = cells.reduce((sum, cell) => sum + cell.words.length, 0) / cells.length;
  if (wordsPerCell <= TABLE_WORDS_PER_CELL) {
    return { text: segmented.map((segments) => segments.map(segmentText).join(' ')).join('\n'), layout: 'table' };
  }
  return { text: readColumns(segmented, height), layout: 'columns' };
}

/** A region's words as rows, top to bottom, each left to right. */
const rowText = (words: OcrWord[], height: number) =>
  groupRows(words, height)
    .map((row) => row.words.map((word) => word.text).join(' '))
    .join('\n');

/**
 * Cuts the page into regions along empty bands, recursively (an XY cut): across the page
 * where no word is, or down it where no word is and the two sides are regions of their own
 * (see sidesApart; otherwise it is a table, a form or columns of one text, read by rows). The wider band is
 * cut first, a band across winning ties, so a title bar or a status bar is its own region.
 * `sideBySide` says whether any cut down the page was made.
 */
function cutRegions(words: OcrWord[], height: number): { text: string; sideBySide: boolean } {
  const local = Math.max(height, median(words.map((w) => w.bbox.y1 - w.bbox.y0)));
  if (words.length < 4) return { text: rowText(words, local), sideBySide: false };
  const across = widestGap(words.map((w) => [w.bbox.y0, w.bbox.y1]));
  const down = widestGap(words.map((w) => [w.bbox.x0, w.bbox.x1]));
  // A gutter is wide against the letters beside it: a headline's word spaces are not gutters.
  const downUsable = down !== null && down.width >= local * GUTTER_HEIGHTS && sidesApart(words, down.at, local);
  const acrossUsable = across !== null && across.width >= height * 0.8;
  if (acrossUsable && (!downUsable || across.width >= down.width * 0.8)) {
    const top = cutRegions(words.filter((w) => w.bbox.y1 <= across.at), height);
    const bottom = cutRegions(words.filter((w) => w.bbox.y1 > across.at), height);
    return { text: `${top.text}\n${bottom.text}`, sideBySide: top.sideBySide || bottom.sideBySide };
  }
  if (downUsable) {
    const left = cutRegions(words.filter((w) => w.bbox.x1 <= down.at), height);
    const right = cutRegions(words.filter((w) => w.bbox.x1 > down.at), height);
    return { text: `${left.text}\n${right.text}`, sideBySide: true };
  }
  const text = orderRows(words, local, '');
  return { text: text.layout === 'flow' ? rowText(words, local) : text.text, sideBySide: false };
}

/** The widest empty stretch between the words' extents along one axis, with its middle. */
function widestGap(extents: Array<[number, number]>): { at: number; width: number } | null {
  const sorted = [...extents].sort((a, b) => a[0] - b[0]);
  let reach = sorted[0]![1];
  let best: { at: number; width: number } | null = null;
  for (const [start, end] of sorted.slice(1)) {
    if (start > reach && (!best || start - reach > best.width)) best = { at: (start + reach) / 2, width: start - reach };
    reach = Math.max(reach, end);
  }
  return best;
}

/**
 * Whether the two sides of `at` stand side by side as regions of their own. Only the lines
 * in the height both sides share count (an address block above a table's numbers is beside
 * nothing): each side needs SIDE_ROWS of them there, and neither side's lines may line up
 * with the other's. A table's or a form's do (nearly every line of at least one side has a
 * line beside it at its height; a form's labels do even when its answers run over more
 * lines); a sidebar's lines meet the content's only here and there, by chance.
 */
function sidesApart(words: OcrWord[], at: number, height: number): boolean {
  // Marks far taller than the letters here (a stamp's ring, a logo) are not lines of text.
  const lines = words.filter((w) => w.bbox.y1 - w.bbox.y0 <= height * TALL_MARK);
  const left = groupRows(lines.filter((w) => w.bbox.x1 <= at), height);
  const right = groupRows(lines.filter((w) => w.bbox.x0 >= at), height);
  if (left.length === 0 || right.length === 0) return false;
  const centre = (row: Row) => (row.top + row.bottom) / 2;
  // Rows of nothing but unsure words (the remains of a stamp or a smudge) do not stretch a side.
  const sure = (rows: Row[]) => rows.filter((row) => row.words.some((word) => word.confidence >= SURE_WORD));
  const [leftSure, rightSure] = [sure(left), sure(right)];
  if (leftSure.length === 0 || rightSure.length === 0) return false;
  const top = Math.max(leftSure[0]!.top, rightSure[0]!.top);
  const bottom = Math.min(Math.max(...leftSure.map((row) => row.bottom)), Math.max(...rightSure.map((row) => row.bottom)));
  const shared = (rows: Row[]) => rows.filter((row) => centre(row) >= top && centre(row) <= bottom);
  const [leftShared, rightShared] = [shared(left), shared(right)];
  if (leftShared.length < SIDE_ROWS || rightShared.length < SIDE_ROWS) return false;
  const letters = (rows: Row[]) => rows.reduce((sum, row) => sum + row.words.reduce((n, word) => n + word.text.length, 0), 0);
  const linedUp = (rows: Row[], others: Row[]) =>
    letters(rows.filter((row) => others.some((o) => Math.abs(centre(o) - centre(row)) < height * 0.4))) >= LINED_UP * letters(rows);
  return !linedUp(leftShared, rightShared) && !linedUp(rightShared, leftShared);
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
