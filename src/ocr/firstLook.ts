// A cheap first look at a page, to tell a clean, upright, level page of ordinary text (most
// office scans and exports) from one that needs the full analysis. The look is taken on a
// small copy of the page for its layout and on a sample of the page's own rows for its
// levels, specks, rules and letter size, so it costs a fraction of the full analysis. It says
// "clean" only when every sign agrees; anything it is unsure of goes the full way.
import {
  binarize,
  characterSize,
  classStats,
  components,
  inkPoints,
  letterShaped,
  neighbourDirection,
  type LetterHeights,
  otsu,
  percentile,
  pointColumns,
  profileSharpness,
  rowProfile,
  uprightness,
  type Component,
  type Grey,
} from './imaging';

export interface FirstLookRequest {
  /** The page as decoded. */
  page: Grey;
  /** The same page scaled down (area-averaged) to about FIRST_LOOK_SIDE on its longer side. */
  small: Grey;
}

/** The small copy's longer side, in pixels: an A4 page's 10 pt letters come out 8–9 pixels high. */
export const FIRST_LOOK_SIDE = 1200;

export interface FirstLook {
  /** Nothing to do but stretch the levels and scale: the full analysis can be skipped. */
  clean: boolean;
  /** Why the page needs the full analysis (for its trace); empty when it is clean. */
  reason: string;
  /** Median and small (20th percentile) letter height across the lines, in the page's pixels. */
  letterPx: number | null;
  smallLetterPx: number | null;
  /** Grey levels that become black and white: the typical ink and the paper less its grain. */
  black: number;
  white: number;
  /** The page's pixels, handed back (they cross to the thread and return). */
  page: Grey;
}

/** Paper at least this bright, ink at most this dark: levels a contrast stretch alone can finish. */
const PAPER_AT_LEAST = 190;
const INK_AT_MOST = 110;
/** Paper whose grain spreads more than this many levels is left to the full analysis's smoothing. */
const GRAIN_AT_MOST = 8;
/** Ink must cover at least this share of the page (a page of text), and at most MOST_INK (not a dark page). */
const LEAST_INK = 0.004;
const MOST_INK = 0.3;
/** Of the dark pixels, at most this share may stand alone (salt-and-pepper noise, dust). */
const LONE_INK_AT_MOST = 0.004;
/** No block of the small copy may have paper darker than the page's by more than this (a shadow, a desk, a dark bar). */
const SHADE_AT_MOST = 24;
/** Letters must be at least this high on the page: smaller ones are scaled up before the analysis. */
const LEAST_LETTER_PX = 12;
/** Letters on the small copy must be at least this high to be measured at all. */
const LEAST_SMALL_LETTER_PX = 6;
/** A component taller than this many letters (large type, a picture, a box, a vertical rule) needs the full analysis. */
const TALLEST_SHAPE_LETTERS = 3;
/**
 * A component at least this many letters long, at least SOLID_SHAPE_SIDE of a letter high and
 * this solid is a dark shape (a bar, a button, a pill); a hollow one (under HOLLOW of its box)
 * at least HOLLOW_SHAPE_LETTERS each way is a drawn box.
 */
const SOLID_SHAPE_LETTERS = 1.6;
const SOLID_SHAPE_SIDE = 0.8;
const SOLID = 0.6;
const HOLLOW_SHAPE_LETTERS = 1.6;
const HOLLOW = 0.3;
/** A dark run this many letters long is a ruled line (as the full analysis's unrule step has it). */
const RULE_LETTERS = 6;
/** Every this-many-th letter's nearest neighbour is looked for. */
const NEIGHBOUR_SAMPLE = 3;
/** Letters are measured in this many bands across the page, each this share of its height. */
const BANDS = 6;
const BAND_SHARE = 0.06;
/** A band is at least this many letters high. */
const BAND_LETTERS = 5;
/** Ink points of the small copy the lines are levelled by. */
const SLOPE_POINTS = 20_000;
/** Lines must clearly run across (nearest neighbours beside, not above) and stand upright. */
const CLEAR = 1.3;
/** Lines must lie level within this many degrees; the full path levels a slope from 0.3 degrees. */
const LEVEL_WITHIN = 0.15;
/** Slopes searched either side of level, coarsely and then finely about the best (degrees). */
const SLOPE_RANGE = 1.5;
const SLOPE_COARSE = 0.25;
const SLOPE_STEP = 0.05;
/** Of the rows a level page's text spans, at least this share must be empty (the gaps between lines). */
const LEAST_GAP_ROWS = 0.15;

function notClean(reason: string, page: Grey): FirstLook {
  return { clean: false, reason, letterPx: null, smallLetterPx: null, black: 0, white: 255, page };
}

export function firstLook({ page, small }: FirstLookRequest): FirstLook {
  // Levels, from a sample of the page's own pixels.
  const histogram = new Uint32Array(256);
  let sampled = 0;
  for (let i = 0; i < page.data.length; i += 5) {
    histogram[page.data[i]!]!++;
    sampled++;
  }
  const threshold = otsu(histogram);
  const ink = classStats(histogram, 0, threshold);
  const paper = classStats(histogram, threshold, 256);
  const inkShare = ink.count / Math.max(1, sampled);
  if (paper.median < PAPER_AT_LEAST || ink.median > INK_AT_MOST) return notClean('levels', page);
  if (paper.spread > GRAIN_AT_MOST) return notClean('grain', page);
  if (inkShare < LEAST_INK || inkShare > MOST_INK) return notClean('ink', page);

  // Layout, from the small copy.
  const scale = small.width / page.width;
  if (darkestPaper(small) < paper.median - SHADE_AT_MOST) return notClean('shade', page);
  const mask = binarize(small);
  const { list } = components(mask, small.width, small.height);
  const letterSmall = characterSize(list, small.width, small.height);
  if (letterSmall === null || letterSmall < LEAST_SMALL_LETTER_PX) return notClean('letters', page);
  const letters = list.filter((c) => Math.max(c.x1 - c.x0 + 1, c.y1 - c.y0 + 1) >= letterSmall * 0.25);
  if (letterSmall / scale < LEAST_LETTER_PX) return notClean('small letters', page);
  if (list.some((c) => largeShape(c, letterSmall))) return notClean('shapes', page);
  if (neighbourDirection(letters, NEIGHBOUR_SAMPLE) < CLEAR) return notClean('direction', page);
  const points = inkPoints(mask, small.width, small.height, SLOPE_POINTS);
  const { slope, gaps } = nearLevel(points, small.height);
  if (Math.abs(slope) > LEVEL_WITHIN || gaps < LEAST_GAP_ROWS) return notClean('lines', page);
  if (uprightness(rowProfile(points, slope, small.height)) < CLEAR) return notClean('upright', page);

  // Specks and rules, which the small copy blurs away, from the page's own pixels.
  if (loneInkShare(page, threshold) > LONE_INK_AT_MOST) return notClean('specks', page);
  // The stretch the full analysis would make of a flat page: the paper less its grain to white,
  // the ink to black, both measured as it measures them (on a smoothed sample).
  const levels = smoothedLevels(page);
  const white = Math.max(levels.threshold, Math.round(levels.paper.median - 2.5 * levels.paper.spread));
  const black = Math.min(levels.ink.median, white - 16);
  // The letters' size sets the page's scale, so it is measured on the page itself (on the small
  // copy a letter's height is known to a pixel there, a third of a letter at 300 dpi), with ink
  // where the stretched page is darker than the full analysis's threshold for it.
  const heights = bandLetterHeights(page, stretchedThreshold(histogram, black, white), letterSmall / scale);
  if (!heights || heights.median < LEAST_LETTER_PX) return notClean('small letters', page);
  if (hasRules(page, threshold, Math.round(RULE_LETTERS * heights.median))) return notClean('rules', page);

  return { clean: true, reason: '', letterPx: heights.median, smallLetterPx: heights.small, black, white, page };
}

/** Ink and paper levels (split by Otsu) of a sample of the page smoothed over 3 x 3 pixels. */
function smoothedLevels({ data, width, height }: Grey) {
  const histogram = new Uint32Array(256);
  for (let y = 1; y < height - 1; y += 3) {
    for (let x = 1; x < width - 1; x += 3) {
      const i = y * width + x;
      const sum =
        4 * data[i]! +
        2 * (data[i - 1]! + data[i + 1]! + data[i - width]! + data[i + width]!) +
        data[i - width - 1]! + data[i - width + 1]! + data[i + width - 1]! + data[i + width + 1]!;
      histogram[Math.round(sum / 16)]!++;
    }
  }
  const threshold = otsu(histogram);
  return { threshold, ink: classStats(histogram, 0, threshold), paper: classStats(histogram, threshold, 256) };
}

/**
 * The grey level of the page below which the page, stretched from `black` to `white`, is ink
 * by the full analysis's binarisation (Otsu on the stretched levels, at most 200).
 */
function stretchedThreshold(histogram: Uint32Array, black: number, white: number): number {
  const stretch = (v: number) => (v >= white ? 255 : v <= black ? 0 : Math.round(((v - black) * 255) / (white - black)));
  const stretched = new Uint32Array(256);
  for (let v = 0; v < 256; v++) stretched[stretch(v)]! += histogram[v]!;
  const threshold = Math.min(otsu(stretched), 200);
  let v = 0;
  while (v < 256 && stretch(v) < threshold) v++;
  return v;
}

/**
 * Letter heights across the lines, measured as the full analysis measures them (components
 * of the page's ink, the median and the 20th percentile of their heights, each letter once,
 * rules and specks left out) but only within BANDS bands across the page, each BAND_SHARE of
 * its height and at least BAND_LETTERS letters (by `roughLetterPx`) high. A letter cut by a band's edge is left out; a taller letter is cut more often, so
 * each letter counts as many times as it was likely to be cut (band / (band - height)).
 */
function bandLetterHeights(page: Grey, threshold: number, roughLetterPx: number): LetterHeights | null {
  const { data, width, height } = page;
  // A band holds several lines; bands that would cover the page become the page.
  const wanted = Math.max(Math.round(height * BAND_SHARE), Math.ceil(BAND_LETTERS * roughLetterPx));
  const bands = wanted * BANDS >= height ? 1 : BANDS;
  const bandHeight = bands === 1 ? height : wanted;
  const list: Component[] = [];
  for (let band = 0; band < bands; band++) {
    const top = Math.max(0, Math.min(height - bandHeight, Math.round(((band + 0.5) * height) / bands - bandHeight / 2)));
    const mask = new Uint8Array(width * bandHeight);
    for (let i = 0, p = top * width; i < mask.length; i++, p++) mask[i] = data[p]! < threshold ? 1 : 0;
    for (const c of components(mask, width, bandHeight).list) {
      // A letter cut by a band's edge is not measured; the page's own edges cut nothing.
      if ((c.y0 > 0 || top === 0) && (c.y1 < bandHeight - 1 || top + bandHeight === height)) list.push(c);
    }
  }
  const characterPx = characterSize(list, width, height);
  if (characterPx === null) return null;
  const pageSide = Math.min(width, height);
  const sized: Array<[size: number, weight: number]> = [];
  for (const c of list) {
    const across = c.y1 - c.y0 + 1;
    const along = c.x1 - c.x0 + 1;
    const larger = Math.max(across, along);
    if (larger < characterPx * 0.25 || larger > characterPx * 4) continue;
    if (!letterShaped(c, across, along, pageSide)) continue;
    sized.push([across, bands === 1 ? 1 : bandHeight / Math.max(1, bandHeight - across)]);
  }
  if (sized.length < 20) return null;
  sized.sort((a, b) => a[0] - b[0]);
  const total = sized.reduce((sum, [, weight]) => sum + weight, 0);
  const at = (fraction: number) => {
    let seen = 0;
    for (const [size, weight] of sized) {
      seen += weight;
      if (seen > total * fraction) return size;
    }
    return sized.at(-1)![0];
  };
  return { median: at(0.5), small: at(0.2) };
}

/**
 * Whether the page has a ruled line: a run of dark pixels `minRun` long across or down it
 * (a table rule, an underline, a box's side). No letter's stroke runs that far.
 */
function hasRules({ data, width, height }: Grey, threshold: number, minRun: number): boolean {
  const down = new Uint16Array(width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let across = 0;
    for (let x = 0; x < width; x++) {
      if (data[row + x]! < threshold) {
        if (++across >= minRun || ++down[x]! >= minRun) return true;
      } else {
        across = 0;
        down[x] = 0;
      }
    }
  }
  return false;
}

/**
 * The share of sampled dark pixels with no dark pixel two pixels away in any of eight
 * directions: specks and salt-and-pepper noise. A letter's stroke always continues one way
 * or another, straight or diagonal.
 */
function loneInkShare({ data, width, height }: Grey, threshold: number): number {
  const up = 2 * width;
  let dark = 0;
  let lone = 0;
  for (let y = 2; y < height - 2; y += 3) {
    const row = y * width;
    for (let x = 2; x < width - 2; x++) {
      const i = row + x;
      if (data[i]! >= threshold) continue;
      dark++;
      if (
        data[i - 2]! >= threshold &&
        data[i + 2]! >= threshold &&
        data[i - up]! >= threshold &&
        data[i + up]! >= threshold &&
        data[i - up - 2]! >= threshold &&
        data[i - up + 2]! >= threshold &&
        data[i + up - 2]! >= threshold &&
        data[i + up + 2]! >= threshold
      ) {
        lone++;
      }
    }
  }
  return dark ? lone / dark : 0;
}

/** The darkest paper among the small copy's blocks (each block's 90th percentile). */
function darkestPaper({ data, width, height }: Grey): number {
  const block = Math.max(16, Math.round(Math.min(width, height) / 20));
  const histogram = new Uint32Array(256);
  let darkest = 255;
  for (let by = 0; by < height; by += block) {
    for (let bx = 0; bx < width; bx += block) {
      histogram.fill(0);
      let count = 0;
      for (let y = by; y < Math.min(height, by + block); y++) {
        for (let x = bx; x < Math.min(width, bx + block); x++) {
          histogram[data[y * width + x]!]!++;
          count++;
        }
      }
      // A sliver at the page's edge says little.
      if (count >= (block * block) / 2) darkest = Math.min(darkest, percentile(histogram, count, 0.9));
    }
  }
  return darkest;
}

/** Large type, a picture, a drawn box, or a solid dark shape. */
function largeShape(c: Component, letterPx: number): boolean {
  const w = c.x1 - c.x0 + 1;
  const h = c.y1 - c.y0 + 1;
  if (h > TALLEST_SHAPE_LETTERS * letterPx) return true;
  const solid = Math.max(w, h) >= SOLID_SHAPE_LETTERS * letterPx && Math.min(w, h) >= SOLID_SHAPE_SIDE * letterPx && c.area >= SOLID * w * h;
  const hollow = Math.min(w, h) >= HOLLOW_SHAPE_LETTERS * letterPx && c.area < HOLLOW * w * h;
  return solid || hollow;
}

/**
 * The slope near level that makes the row profile sharpest, and the share of empty rows
 * between the first and the last line at that slope.
 */
function nearLevel(points: Int32Array, extent: number): { slope: number; gaps: number } {
  if (points.length < 400) return { slope: 0, gaps: 0 };
  const columns = pointColumns(points);
  const sharpness = (degrees: number) => profileSharpness(columns, degrees, extent);
  let best = 0;
  let bestEnergy = sharpness(0);
  for (let a = -SLOPE_RANGE; a <= SLOPE_RANGE + 1e-9; a += SLOPE_COARSE) {
    const e = sharpness(a);
    if (e > bestEnergy) [best, bestEnergy] = [a, e];
  }
  const coarse = best;
  for (let a = coarse - SLOPE_COARSE; a <= coarse + SLOPE_COARSE + 1e-9; a += SLOPE_STEP) {
    const e = sharpness(a);
    if (e > bestEnergy) [best, bestEnergy] = [a, e];
  }
  const slope = Math.round(best * 100) / 100;
  const profile = rowProfile(points, slope, extent);
  let first = 0;
  let last = profile.length - 1;
  while (first < last && profile[first] === 0) first++;
  while (last > first && profile[last] === 0) last--;
  let empty = 0;
  for (let i = first; i <= last; i++) if (profile[i] === 0) empty++;
  return { slope, gaps: empty / Math.max(1, last - first + 1) };
}
