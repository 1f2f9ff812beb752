// A second opinion on the words a page's reading doubts. Preparing a page (contrast,
// binarisation, scaling, straightening) helps most words and now and then spoils one: a
// "y" whose tail the threshold cut reads "v". Each doubtful word is cut out of the plain
// copy (the page as decoded, nothing done to it), the cuts are stacked into one small
// strip, the strip is read once, and a word the strip reads surely, and more surely than
// the page did, replaces it.
import { distance } from 'fastest-levenshtein';
import type { PageGeometry } from '../shared/steps';
import { boxAround, toSourceBox } from './geometry';
import type { Grey } from './imaging';
import type { BoundingBox, OcrWord, PageRecognition } from './types';
import { meanConfidence, pageWords } from './words';

/** A word read with less confidence than this is doubtful. */
export const DOUBTFUL_WORD = 80;
/** A page with more doubtful words than this is left as read: cutting them out would be reading much of the page again. */
export const MOST_DOUBTS = 12;
/** A second opinion replaces a word when read without doubt and with at least this much more confidence... */
const SURER_BY = 5;
/** ...and differs from it by at most a third of its characters, rounded (at least one): the same word, read better. */
const MOST_CHANGED = 1 / 3;
/** Around each cut, white as wide as this share of the word's height. */
const MARGIN = 0.6;
/** Each cut reaches this share of the word's height above and below its box. */
const PAD = 0.12;
/** The turn (degrees) up to which a word's upright box on the submitted page still holds it alone. */
const MOST_TURN = 2;

export interface StackedCuts {
  strip: Grey;
  /** Where each doubtful word lies in the strip. */
  words: BoundingBox[];
  /** Where the words beside each lie in the strip. */
  neighbours: BoundingBox[][];
  /** The rows of the strip each cut takes (its top and bottom). */
  rows: Array<[number, number]>;
}

/** A doubtful word, and the stretch of its line cut out around it (the word and its neighbours, read together as context). */
export interface Doubt {
  word: OcrWord;
  /** The boxes of the words beside it in its line. */
  neighbours: BoundingBox[];
  stretch: BoundingBox;
}

/** The words worth a second opinion: read with doubt, holding a letter or a digit. */
export function doubtfulWords(recognition: PageRecognition): Doubt[] {
  return recognition.blocks.flatMap((block) =>
    block.lines.flatMap((line) =>
      line.words.flatMap((word, i) => {
        if (word.confidence >= DOUBTFUL_WORD || !/[\p{L}\p{N}]/u.test(word.text) || word.bbox.y1 <= word.bbox.y0) return [];
        const neighbours = [line.words[i - 1], line.words[i + 1]].flatMap((near) => (near ? [near.bbox] : []));
        const stretch = boxAround([word.bbox, ...neighbours]);
        return [{ word, neighbours, stretch }];
      }),
    ),
  );
}

/**
 * Whether a word's box on the read page, carried to the submitted page, holds that word
 * alone: not when the page was turned (a word's upright box would hold its neighbours
 * above and below, and the word aslant).
 */
export function cutsHoldWords(geometry: PageGeometry): boolean {
  const turn = ((geometry.rotation % 360) + 540) % 360 - 180;
  return Math.abs(turn) <= MOST_TURN;
}

/**
 * The doubtful words' stretches (boxes on the read page, laid out by `geometry`) cut out of
 * the plain copy (`plain`, laid out by `plainGeometry`) and stacked, each on white, one
 * under the other.
 */
export function stackCuts(doubts: Doubt[], geometry: PageGeometry, plain: Grey, plainGeometry: PageGeometry): StackedCuts {
  const scaleX = plainGeometry.width / plainGeometry.sourceWidth;
  const scaleY = plainGeometry.height / plainGeometry.sourceHeight;
  const onPlain = (box: BoundingBox): BoundingBox => {
    const source = toSourceBox(box, geometry);
    return { x0: source.x0 * scaleX, y0: source.y0 * scaleY, x1: source.x1 * scaleX, y1: source.y1 * scaleY };
  };
  const cuts = doubts.map(({ word: { bbox }, neighbours, stretch }) => {
    const word = onPlain(bbox);
    const around = onPlain(stretch);
    const beside = neighbours.map(onPlain);
    const pad = PAD * (word.y1 - word.y0);
    const x0 = Math.max(0, Math.floor(around.x0 - pad));
    const y0 = Math.max(0, Math.floor(around.y0 - pad));
    const x1 = Math.min(plain.width, Math.ceil(around.x1 + pad));
    const y1 = Math.min(plain.height, Math.ceil(around.y1 + pad));
    return { x0, y0, x1: Math.max(x0, x1), y1: Math.max(y0, y1), word, beside };
  });
  const margin = Math.ceil(MARGIN * Math.max(...cuts.map((cut) => cut.y1 - cut.y0), 1));
  const width = Math.max(...cuts.map((cut) => cut.x1 - cut.x0), 1) + 2 * margin;
  const height = cuts.reduce((sum, cut) => sum + (cut.y1 - cut.y0) + margin, margin);
  const data = new Uint8Array(width * height).fill(255);
  const words: BoundingBox[] = [];
  const neighbours: BoundingBox[][] = [];
  const rows: Array<[number, number]> = [];
  let top = margin;
  for (const cut of cuts) {
    for (let y = cut.y0; y < cut.y1; y++) {
      const from = y * plain.width;
      data.set(plain.data.subarray(from + cut.x0, from + cut.x1), (top + y - cut.y0) * width + margin);
    }
    const [dx, dy] = [margin - cut.x0, top - cut.y0];
    const moved = (box: BoundingBox) => ({ x0: box.x0 + dx, y0: box.y0 + dy, x1: box.x1 + dx, y1: box.y1 + dy });
    words.push(moved(cut.word));
    neighbours.push(cut.beside.map(moved));
    rows.push([top, top + cut.y1 - cut.y0]);
    top += cut.y1 - cut.y0 + margin;
  }
  return { strip: { data, width, height }, words, neighbours, rows };
}

/**
 * For each cut, the word the strip's reading found on it: the word most overlapping the
 * doubtful one, if it overlaps it by half and reaches no more than a third into a word
 * beside it (a word and the next read as one is not it).
 */
export function opinions(reading: PageRecognition, cuts: StackedCuts): Array<OcrWord | null> {
  const read = pageWords(reading).filter((word) => word.text.trim());
  const across = (a: BoundingBox, b: BoundingBox) => Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  return cuts.words.map((box, i) => {
    const [top, bottom] = cuts.rows[i]!;
    let best: OcrWord | null = null;
    let bestOverlap = 0;
    for (const candidate of read) {
      const middle = (candidate.bbox.y0 + candidate.bbox.y1) / 2;
      if (middle < top || middle > bottom) continue;
      const overlap = across(box, candidate.bbox);
      if (overlap > bestOverlap) [best, bestOverlap] = [candidate, overlap];
    }
    if (!best || bestOverlap < 0.5 * Math.min(box.x1 - box.x0, best.bbox.x1 - best.bbox.x0)) return null;
    const found = best.bbox;
    return cuts.neighbours[i]!.some((near) => across(near, found) > (near.x1 - near.x0) / 3) ? null : best;
  });
}

/**
 * Whether a second opinion on a word should replace it: read surely and more surely than
 * it, and the same word but for a few characters. Where the two differ only in marks
 * (punctuation, quotes), the opinion may drop marks (a speck the preparation left beside
 * a word), never add or change one.
 */
export function betterOpinion(word: OcrWord, opinion: OcrWord | null): opinion is OcrWord {
  if (!opinion || opinion.text === word.text || !opinion.text.trim()) return false;
  if (opinion.confidence < DOUBTFUL_WORD || opinion.confidence < word.confidence + SURER_BY) return false;
  if (lettersOf(opinion.text) === lettersOf(word.text)) return marksDropped(word.text, opinion.text);
  return distance(opinion.text, word.text) <= Math.max(1, Math.round(MOST_CHANGED * word.text.length));
}

const NOT_LETTER = /[^\p{L}\p{N}]/gu;

function lettersOf(text: string): string {
  return text.replace(NOT_LETTER, '');
}

/** Whether `fewer` is `text` with some of its marks (nothing else) left out. */
function marksDropped(text: string, fewer: string): boolean {
  let at = 0;
  for (const character of text) {
    if (fewer.startsWith(character, at)) at += character.length;
    else if (lettersOf(character)) return false;
  }
  return at === fewer.length;
}

/**
 * The recognition with some of its words' text replaced (boxes kept), in the words, their
 * lines' and blocks' text and the page's text. The texts hold the words in reading order,
 * each after the one before it, which is how each is found; when one is not (a text that
 * does not hold its words so), the recognition is returned as it was.
 */
export function withWords(recognition: PageRecognition, replaced: Map<OcrWord, OcrWord>): PageRecognition {
  if (replaced.size === 0) return recognition;
  const text = spliced(recognition.text, pageWords(recognition), replaced);
  if (text === null) return recognition;
  const swap = (word: OcrWord): OcrWord => {
    const better = replaced.get(word);
    return better ? { ...word, text: better.text, confidence: better.confidence } : word;
  };
  const blocks = recognition.blocks.map((block) => {
    const blockWords = block.lines.flatMap((line) => line.words);
    const lines = block.lines.map((line) => ({ ...line, text: spliced(line.text, line.words, replaced) ?? line.text, words: line.words.map(swap) }));
    return { ...block, text: spliced(block.text, blockWords, replaced) ?? block.text, lines };
  });
  return { ...recognition, text, blocks, confidence: meanConfidence(pageWords({ blocks })) };
}

/** `text` with each replaced word's text put in, the words found in order; null when one is missing. */
function spliced(text: string, words: OcrWord[], replaced: Map<OcrWord, OcrWord>): string | null {
  let out = '';
  let at = 0;
  for (const word of words) {
    const found = text.indexOf(word.text, at);
    if (found < 0) return null;
    const better = replaced.get(word);
    out += text.slice(at, found) + (better ? better.text : word.text);
    at = found + word.text.length;
  }
  return out + text.slice(at);
}
