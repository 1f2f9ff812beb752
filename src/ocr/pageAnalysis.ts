// The CPU-heavy part of preparing a page, as one synchronous function over raw pixels, so it
// runs in a worker thread and never blocks the event loop that answers Temporal (status
// queries, heartbeats, workflow tasks).
import {
  binarize,
  characterSize,
  components,
  inkPoints,
  invert,
  gaussianBlur,
  inkContrast,
  inkWeightedCharacterSize,
  isFrame,
  invertRegions,
  pageNoise,
  isDarkPage,
  letterHeights,
  levelLines,
  median,
  neighbourDirection,
  normalizeContrast,
  rowProfile,
  ruledLines,
  textBackgrounds,
  turnQuarter,
  uprightness,
  type Component,
  type Grey,
} from './imaging';
import { findBend, straighten, type Dewarp } from './dewarp';
import { findPage, flatSize, homography, warp } from './perspective';

export interface AnalysisRequest {
  grey: Grey;
  /** The same page, Gaussian-smoothed: contrast is measured on it. */
  smooth: Grey;
  /** Look for a photographed page on a desk and map it flat. */
  perspective: boolean;
  /** Trace curved text lines and straighten them. */
  dewarp: boolean;
  /** Paint out ruled lines (table rules, underlines, boxes). */
  unrule: boolean;
  invert: boolean;
  contrast: boolean;
  despeckle: boolean;
}

/** What the page looks like in either direction its lines may run. */
export interface LineView {
  /** Slope that levels the lines, in degrees clockwise. */
  slope: number;
  /** Ascender/descender balance of the levelled lines: >1 upright, <1 upside down. */
  rise: number;
  /** Median letter height across the lines, in pixels. */
  letterPx: number | null;
  /** A small letter's height (20th percentile): the small print where large type is also on the page. */
  smallLetterPx: number | null;
}

export interface AnalysisResult {
  /** The page cleaned up: inverted if it was dark, contrast normalised, specks removed. */
  grey: Grey;
  /** No ink worth reading: paper, grain and a speck or two. Nothing else is measured. */
  blank: boolean;
  /** Dark areas holding light text (bars, buttons) that were turned dark on light. */
  invertedAreas: number;
  /** The page was noisy and was read from its smoothed copy. */
  smoothed: boolean;
  /**
   * When the page was a photographed sheet on a desk and was mapped flat: the homography
   * from the flat page (`grey`) to the page as decoded. Null otherwise.
   */
  perspective: number[] | null;
  /** When the page's lines were bent and were straightened: the bend. Null otherwise. */
  bend: Dewarp | null;
  /** Ruled lines were painted out. */
  unruled: boolean;
  /** Height of the page's large type (letters several times its typical size, which Tesseract may pass over); null without any. */
  largeTypePx: number | null;
  inverted: boolean;
  characterPx: number | null;
  letterCount: number;
  /** Letters' nearest neighbours sideways over above/below: >1 lines run across. */
  neighbours: number;
  /** Lines running across the page as it is, and running down it (the page on its side). */
  across: LineView;
  down: LineView;
  /** How long each stage took, in order (milliseconds): what the page's trace shows of the analysis. */
  stagesMs: Array<[stage: string, ms: number]>;
}

/** Below this ink contrast (grey levels, on the smoothed page) a page holds no text. */
const BLANK_CONTRAST = 18;
/** Dim pages (paper below DIM_PAPER) noisier than this (see pageNoise) are read from a smoothed copy. */
const NOISY = 0.15;
const DIM_PAPER = 128;
/** The smoothing of a noisy page, done only where its letters are large enough to keep their strokes. */
const DENOISE_SIGMA = 1.2;
const MIN_LETTER_TO_DENOISE_PX = 12;
/** The pixels of the components that are drawn boxes at least FRAME_LETTERS of a letter each way; null when there are none. */
function framePixels({ list, labels, mask }: MeasuredLetters, width: number, letterPx: number): Uint8Array | null {
  const frame = new Uint8Array(list.length + 1);
  const checkboxes: Component[] = [];
  list.forEach((c, k) => {
    const [w, h] = [c.x1 - c.x0 + 1, c.y1 - c.y0 + 1];
    if (w < FRAME_LETTERS * letterPx || h < FRAME_LETTERS * letterPx || !isFrame(c, mask, width)) return;
    frame[k + 1] = 1;
    if (w <= CHECKBOX_LETTERS * letterPx && h <= CHECKBOX_LETTERS * letterPx) checkboxes.push(c);
  });
  if (!frame.includes(1)) return null;
  // A checkbox's tick or cross is a mark, not a letter.
  list.forEach((c, k) => {
    if (checkboxes.some((box) => c.x0 > box.x0 && c.x1 < box.x1 && c.y0 > box.y0 && c.y1 < box.y1)) frame[k + 1] = 1;
  });
  return Uint8Array.from(labels, (label) => frame[label]!);
}

/** A drawn box this many letter sizes wide and high is a checkbox or a frame; smaller, it may be a letter. */
const FRAME_LETTERS = 0.6;
/** A drawn box at most this many letter sizes each way is a checkbox: what is inside it is a tick or a cross. */
const CHECKBOX_LETTERS = 2.5;

/** Letters this many times the page's typical letter are large type (a headline, a poster line). */
const LARGE_TYPE = 3;
/** A page with this many large letters has large type worth a reading of its own. */
const LARGE_TYPE_LETTERS = 3;

/**
 * The height of the page's large type (the median of its letters much taller than the
 * typical letter and letter-shaped), or null when it has fewer than LARGE_TYPE_LETTERS.
 */
function largeTypeHeight(list: Component[], characterPx: number, pageSide: number): number | null {
  const heights: number[] = [];
  for (const c of list) {
    const w = c.x1 - c.x0 + 1;
    const h = c.y1 - c.y0 + 1;
    if (h >= LARGE_TYPE * characterPx && h <= pageSide / 3 && w / h < 3 && h / w < 6 && c.area > 0.2 * w * h) heights.push(h);
  }
  if (heights.length < LARGE_TYPE_LETTERS) return null;
  return median(heights);
}

/** Runs of ink this many letter sizes long, and at most RULE_THICKNESS of one thick, are rules, not strokes of letters. */
const RULE_LETTERS = 6;
const RULE_THICKNESS = 0.4;
/** A page with fewer letter-like components than this holds no text worth reading. */
const BLANK_LETTERS = 3;

export function analysePage(request: AnalysisRequest): AnalysisResult {
  const stagesMs: AnalysisResult['stagesMs'] = [];
  let last = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    stagesMs.push([stage, Math.round((now - last) * 100) / 100]);
    last = now;
  };
  return { ...analyseInStages(request, lap), stagesMs };
}

function analyseInStages(request: AnalysisRequest, lap: (stage: string) => void): Omit<AnalysisResult, 'stagesMs'> {
  let { grey, smooth } = request;
  let perspective: number[] | null = null;
  const quad = request.perspective ? findPage(smooth) : null;
  if (quad) {
    const { width, height } = flatSize(quad);
    perspective = homography(quad, width, height);
    grey = warp(grey, perspective, width, height);
    smooth = warp(smooth, perspective, width, height);
  }
  lap('perspective');
  if (inkContrast(smooth) < BLANK_CONTRAST) return blankPage(grey, false, perspective);
  // A noisy photo (sensor noise in a dim shot) is read from its smoothed copy: the noise
  // would otherwise be stretched with the contrast into specks the size of letters.
  const noise = pageNoise(grey, smooth);
  // Sensor noise is what a dim exposure adds: a bright scan's grain is left to the contrast step.
  const noisy = noise.ratio > NOISY && noise.paper < DIM_PAPER ? denoiseSigma(smooth) : 0;
  if (noisy) {
    grey = gaussianBlur(grey, noisy);
    smooth = grey;
  }
  lap('denoise');
  const inverted = request.invert && isDarkPage(grey);
  if (inverted) {
    invert(grey);
    invert(smooth);
  }
  if (request.contrast) normalizeContrast(grey, smooth);
  // Light text on dark bars and buttons of a light page, turned dark on light where it is
  // (found once shadows are divided out, so a shadow is never taken for a dark bar).
  const backgrounds = request.invert ? textBackgrounds(grey) : { regions: new Int32Array(0), count: 0 };
  invertRegions(grey, backgrounds);
  lap('contrast');
  let measured = measureLetters(grey, request.despeckle);
  // Table rules, cell borders, underlines and form boxes: Tesseract's layout analysis loses
  // the cells between them, so they are painted out and the letters measured again.
  const letterPx = measured.characterPx;
  const rules =
    request.unrule && letterPx
      ? ruledLines(measured.mask, grey.width, grey.height, RULE_LETTERS * letterPx, Math.max(3, RULE_THICKNESS * letterPx))
      : null;
  // Boxes (checkboxes, field frames, a table's grid) go whole, their short sides included.
  const frames = request.unrule && letterPx ? framePixels(measured, grey.width, letterPx) : null;
  if (rules || frames) {
    for (let i = 0; i < grey.data.length; i++) if (rules?.[i] || frames?.[i]) grey.data[i] = 255;
    measured = measureLetters(grey, request.despeckle);
  }
  lap('unrule');
  // A curled page: its lines traced and straightened, then measured again.
  let bend: Dewarp | null = null;
  let neighbours = neighbourDirection(measured.letterList);
  if (request.dewarp && measured.characterPx && neighbours > 1.3) {
    bend = findBend(measured.letterList, measured.characterPx, grey.width);
    if (bend) {
      grey = straighten(grey, bend);
      measured = measureLetters(grey, request.despeckle);
      neighbours = neighbourDirection(measured.letterList);
    }
  }
  lap('dewarp');
  const { width, height } = grey;
  const { characterPx, letterList, letterMask } = measured;
  if (letterList.length < BLANK_LETTERS) return blankPage(grey, inverted, perspective);
  const points = inkPoints(letterMask, width, height);
  const turned = turnQuarter(points, height);
  const view = (pts: Int32Array, extent: number, linesRunVertically: boolean): LineView => {
    const slope = levelLines(pts, extent);
    const heights = letterHeights(letterList, linesRunVertically, Math.min(width, height));
    return {
      slope,
      rise: uprightness(rowProfile(pts, slope, extent)),
      letterPx: heights?.median ?? characterPx,
      smallLetterPx: heights?.small ?? characterPx,
    };
  };
  const result = {
    grey,
    blank: false,
    inverted,
    invertedAreas: backgrounds.count,
    perspective,
    bend,
    unruled: rules !== null || frames !== null,
    smoothed: noisy > 0,
    characterPx,
    largeTypePx: characterPx === null ? null : largeTypeHeight(measured.list, characterPx, Math.min(width, height)),
    letterCount: letterList.length,
    neighbours,
    across: view(points, height, false),
    down: view(turned, width, true),
  };
  lap('lines');
  return result;
}

/**
 * How much to smooth a noisy page: DENOISE_SIGMA where its letters (measured on the
 * smoothed copy, by ink so that specks do not count) are large enough to keep their
 * strokes; 0 where smoothing would blur small print away.
 */
function denoiseSigma(smooth: Grey): number {
  const { list } = components(binarize(smooth), smooth.width, smooth.height);
  const letterPx = inkWeightedCharacterSize(list, smooth.width, smooth.height);
  return letterPx !== null && letterPx >= MIN_LETTER_TO_DENOISE_PX ? DENOISE_SIGMA : 0;
}

/** A page with nothing to read, as plain white paper: recognition is skipped for it. */
function blankPage(grey: Grey, inverted: boolean, perspective: number[] | null): Omit<AnalysisResult, 'stagesMs'> {
  grey.data.fill(255);
  const level: LineView = { slope: 0, rise: 1, letterPx: null, smallLetterPx: null };
  return { grey, blank: true, inverted, invertedAreas: 0, perspective, bend: null, unruled: false, largeTypePx: null, smoothed: false, characterPx: null, letterCount: 0, neighbours: 1, across: level, down: level };
}

interface MeasuredLetters {
  /** 1 where the binarised page has ink. */
  mask: Uint8Array;
  /** Each pixel's component, by 1 + its index in `list`; 0 for no ink. */
  labels: Int32Array;
  /** Every ink component. */
  list: Component[];
  characterPx: number | null;
  /** Letter-sized components that are not dust. */
  letterList: Component[];
  /** 1 where a pixel belongs to one of them. */
  letterMask: Uint8Array;
}

/** The page's ink components and which are letters; dust is painted paper-white in `grey`. */
function measureLetters(grey: Grey, despeckle: boolean): MeasuredLetters {
  const { width, height } = grey;
  const mask = binarize(grey);
  const { labels, list } = components(mask, width, height);
  const characterPx = characterSize(list, width, height);
  // Dust and noise: specks far smaller than a letter's dot, and dot-sized specks with no
  // letter near them (a full stop or an i's dot always has one). Painted paper-white.
  const keep = despeckle ? dustFilter(list, characterPx) : new Uint8Array(list.length + 1).fill(1);
  const letterMin = characterPx ? characterPx * 0.25 : 2;
  const letterMax = characterPx ? characterPx * 4 : Math.min(width, height);
  const letters = new Uint8Array(list.length + 1);
  list.forEach((c, k) => {
    const larger = Math.max(c.x1 - c.x0 + 1, c.y1 - c.y0 + 1);
    letters[k + 1] = larger >= letterMin && larger <= letterMax ? 1 : 0;
  });
  const letterMask = new Uint8Array(mask.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!label) continue;
    if (!keep[label]) grey.data[i] = 255;
    else if (letters[label]) letterMask[i] = 1;
  }
  return { mask, labels, list, characterPx, letterList: list.filter((_, k) => letters[k + 1] && keep[k + 1]), letterMask };
}

/**
 * How far, in letter sizes, a punctuation-shaped mark (a dash, or half of a colon or a
 * semicolon) may stand beside a letter along its line and still be kept.
 */
const DUST_REACH_ALONG = 1.2;

/** 1 per component (by label: index + 1) to keep, 0 for dust. */
function dustFilter(list: Component[], characterPx: number | null): Uint8Array {
  const keep = new Uint8Array(list.length + 1).fill(1);
  if (!characterPx) return keep;
  const speck = Math.max(1, Math.round((characterPx * 0.12) ** 2));
  const dot = Math.max(speck, (characterPx * 0.35) ** 2);
  const reach = characterPx * 0.7;
  // Letters, bucketed on a grid, to find a dot-sized component's neighbours quickly.
  const cell = Math.max(4, Math.ceil(characterPx));
  const grid = new Map<number, Component[]>();
  const key = (cx: number, cy: number) => cy * 1_000_003 + cx;
  for (const c of list) {
    if (c.area <= dot) continue;
    for (let cy = Math.floor(c.y0 / cell); cy <= Math.floor(c.y1 / cell); cy++) {
      for (let cx = Math.floor(c.x0 / cell); cx <= Math.floor(c.x1 / cell); cx++) {
        const bucket = grid.get(key(cx, cy));
        if (bucket) bucket.push(c);
        else grid.set(key(cx, cy), [c]);
      }
    }
  }
  // Dot-sized marks, bucketed the same way, to find a colon's other half.
  const dots = new Map<number, Component[]>();
  for (const c of list) {
    if (c.area > dot || c.area <= speck) continue;
    const k = key(Math.floor(c.x0 / cell), Math.floor(c.y0 / cell));
    const bucket = dots.get(k);
    if (bucket) bucket.push(c);
    else dots.set(k, [c]);
  }
  const stacked = (c: Component) => {
    for (let cy = Math.floor((c.y0 - characterPx) / cell); cy <= Math.floor((c.y1 + characterPx) / cell); cy++) {
      for (let cx = Math.floor((c.x0 - characterPx) / cell); cx <= Math.floor(c.x1 / cell); cx++) {
        const other = (dots.get(key(cx, cy)) ?? []).find(
          (d) => d !== c && d.x0 <= c.x1 && d.x1 >= c.x0 && Math.max(d.y0 - c.y1, c.y0 - d.y1) <= characterPx * 0.6,
        );
        if (other) return true;
      }
    }
    return false;
  };
  list.forEach((c, k) => {
    if (c.area > dot) return;
    if (c.area <= speck) {
      keep[k + 1] = 0;
      return;
    }
    // Along a line a dash or a colon may stand a word space from its letters (between words;
    // French sets its colons and semicolons apart): further than a stray speck is let.
    const [w, h] = [c.x1 - c.x0 + 1, c.y1 - c.y0 + 1];
    const punctuation = (w >= 2 * h && w >= characterPx * 0.25) || stacked(c);
    const reachAlong = punctuation ? characterPx * DUST_REACH_ALONG : reach;
    const near = (other: Component) =>
      other.x0 - reachAlong <= c.x1 && other.x1 + reachAlong >= c.x0 && other.y0 - reach <= c.y1 && other.y1 + reach >= c.y0;
    let found = false;
    for (let cy = Math.floor((c.y0 - reach) / cell); cy <= Math.floor((c.y1 + reach) / cell) && !found; cy++) {
      for (let cx = Math.floor((c.x0 - reachAlong) / cell); cx <= Math.floor((c.x1 + reachAlong) / cell) && !found; cx++) {
        found = (grid.get(key(cx, cy)) ?? []).some(near);
      }
    }
    if (!found) keep[k + 1] = 0;
  });
  return keep;
}
