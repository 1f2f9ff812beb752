// Page image analysis on 8-bit grey pixels: background, contrast, binarisation, connected
// components, text size, orientation and skew. Plain loops over typed arrays: a 300 dpi
// A4 page is 8.7 million pixels, and each pass here is one linear sweep.

export interface Grey {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * True when the page is light text on a dark ground: of its two tones (split where Otsu
 * splits them), the darker covers most of the page and is less than half as bright as the
 * lighter. A page that is merely dark (a dim photo of white paper) has its paper as the
 * larger, lighter tone; a screen dimmed behind a dialog is grey, not dark.
 */
export function isDarkPage({ data }: Grey): boolean {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < data.length; i += 7) histogram[data[i]!]!++;
  const threshold = otsu(histogram);
  const dark = classStats(histogram, 0, threshold);
  const light = classStats(histogram, threshold, 256);
  // The ground of a dark page is dark indeed: a screen dimmed behind a dialog is grey.
  return dark.count > light.count && dark.median < light.median * 0.5;
}

/**
 * How far the ink stands out from the paper, in grey levels: from the median to the
 * 0.005th percentile (dark ink) or to the 99.995th (light ink on a dark page), on a
 * smoothed page so that grain does not count. The tail is that thin so that a page holding
 * one short line (a page number, "Signed", 0.02 % of an A4 page's pixels at 10 pt) still
 * counts: text of any faintness a reader can see gives tens of levels; paper with grain and
 * a speck or two gives a few.
 */
/** The share of a page's pixels inkContrast measures the ink by. */
const INK_TAIL = 0.00005;

export function inkContrast({ data }: Grey): number {
  const histogram = new Uint32Array(256);
  let count = 0;
  for (let i = 0; i < data.length; i += 3) {
    histogram[data[i]!]!++;
    count++;
  }
  const median = percentile(histogram, count, 0.5);
  return Math.max(median - percentile(histogram, count, INK_TAIL), percentile(histogram, count, 1 - INK_TAIL) - median);
}

export function invert(image: Grey): void {
  const { data } = image;
  for (let i = 0; i < data.length; i++) data[i] = 255 - data[i]!;
}

/** How noisy a page is, and how bright its paper: see pageNoise. */
export interface PageNoise {
  /**
   * The typical difference between the page and its smoothed copy on the paper (grain and
   * sensor noise, which smoothing removes; shading and shadows, which it keeps, do not
   * count), over the distance from paper to ink. A clean scan gives a few hundredths.
   */
  ratio: number;
  /** The paper's grey level (median), on the smoothed copy. */
  paper: number;
}

export function pageNoise(image: Grey, smooth: Grey): PageNoise {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < smooth.data.length; i += 3) histogram[smooth.data[i]!]!++;
  const threshold = otsu(histogram);
  const ink = classStats(histogram, 0, threshold);
  const paper = classStats(histogram, threshold, 256);
  if (ink.count === 0 || paper.count === 0) return { ratio: 0, paper: paper.median };
  const differences = new Uint32Array(256);
  let count = 0;
  for (let i = 0; i < smooth.data.length; i += 3) {
    if (smooth.data[i]! < threshold) continue;
    differences[Math.abs(image.data[i]! - smooth.data[i]!)]!++;
    count++;
  }
  return { ratio: percentile(differences, count, 0.5) / Math.max(1, paper.median - ink.median), paper: paper.median };
}

/** A Gaussian-blurred copy (separable, kernel to three sigmas). */
export function gaussianBlur({ data, width, height }: Grey, sigma: number): Grey {
  const radius = Math.ceil(sigma * 3);
  const kernel = Float32Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= total;
  const across = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) sum += kernel[k + radius]! * data[row + Math.min(width - 1, Math.max(0, x + k))]!;
      across[row + x] = sum;
    }
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) sum += kernel[k + radius]! * across[Math.min(height - 1, Math.max(0, y + k)) * width + x]!;
      out[y * width + x] = Math.round(sum);
    }
  }
  return { data: out, width, height };
}

/** Dark areas holding light text: which area (1, 2, …) each pixel belongs to, 0 for none. */
export interface TextBackgrounds {
  regions: Int32Array;
  count: number;
}

/**
 * The dark areas of an otherwise dark-on-light page that hold light text (white on a blue
 * title bar, a button, a status pill, a dark table header), to be turned dark on light
 * area by area. Such an area is one large, mostly solid dark shape with several light
 * shapes inside it (its letters); a dark letter has a counter or two, small against it, and
 * a ruled table is mostly holes. An area is the shape and the holes it encloses, not its
 * box: a pill's rounded corners stay page.
 */
export function textBackgrounds(image: Grey): TextBackgrounds {
  const { data, width, height } = image;
  const regions = new Int32Array(width * height);
  const histogram = new Uint32Array(256);
  for (let i = 0; i < data.length; i += 3) histogram[data[i]!]!++;
  const threshold = otsu(histogram);
  const dark = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) dark[i] = data[i]! < threshold ? 1 : 0;
  const areas = components(dark, width, height);
  const boxArea = (c: Component) => (c.x1 - c.x0 + 1) * (c.y1 - c.y0 + 1);
  const solid = (c: Component) => boxArea(c) >= 600 && c.area >= 0.5 * boxArea(c);
  // Most pages have no solid dark shapes at all: nothing more to look at.
  if (!areas.list.some(solid)) return { regions, count: 0 };
  // The light shapes inside each solid one (its holes: the letters of a bar, a bold letter's
  // counters) are found within its box alone, not by labelling the whole page's paper.
  const inside = new Map<number, { count: number; area: number }>();
  areas.list.forEach((area, k) => {
    if (solid(area)) inside.set(k + 1, holesOf(dark, areas.labels, width, area, k + 1));
  });
  // Each candidate is its shape and all it encloses (letters, the counters inside them, a
  // pill inside a toast): the pixels of its box that cannot reach the box's edge without
  // crossing the shape. A bar fills its box so; words run together (blurred print) leave
  // the paper between their letters' edges outside. Letters in a bar are small against it;
  // a bold letter's counters are not.
  let count = 0;
  areas.list.forEach((area, k) => {
    const held = inside.get(k + 1);
    if (held === undefined || held.count < 2 || boxArea(area) < 12 * (held.area / held.count)) return;
    const filled = enclosedBy(areas.labels, width, area, k + 1);
    let size = 0;
    for (let j = 0; j < filled.length; j++) size += filled[j]!;
    if (size < 0.9 * boxArea(area)) return;
    count += 1;
    const w = area.x1 - area.x0 + 1;
    for (let j = 0; j < filled.length; j++) {
      if (filled[j]) regions[(area.y0 + Math.floor(j / w)) * width + area.x0 + (j % w)] = count;
    }
  });
  return { regions, count };
}

/**
 * The light shapes the dark shape `label` encloses, counted with the area of their boxes. An
 * enclosed light shape lies inside the shape's box without touching its edge, and the pixel
 * left of its first one is the shape's (8-connected: that neighbour cannot be light).
 */
function holesOf(dark: Uint8Array, labels: Int32Array, width: number, area: Component, label: number): { count: number; area: number } {
  const w = area.x1 - area.x0 + 1;
  const h = area.y1 - area.y0 + 1;
  const light = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = (area.y0 + y) * width + area.x0;
    for (let x = 0; x < w; x++) light[y * w + x] = 1 - dark[row + x]!;
  }
  const holes = components(light, w, h);
  const held = { count: 0, area: 0 };
  holes.list.forEach((hole, k) => {
    if (hole.x0 === 0 || hole.y0 === 0 || hole.x1 === w - 1 || hole.y1 === h - 1) return;
    let x = hole.x0;
    while (x < hole.x1 && holes.labels[hole.y0 * w + x] !== k + 1) x++;
    if (labels[(area.y0 + hole.y0) * width + area.x0 + x - 1] !== label) return;
    held.count += 1;
    held.area += (hole.x1 - hole.x0 + 1) * (hole.y1 - hole.y0 + 1);
  });
  return held;
}

/** 1 for each pixel of the shape's box that is the shape or enclosed by it (cannot reach the box's edge without crossing it). */
function enclosedBy(labels: Int32Array, width: number, area: Component, label: number): Uint8Array {
  const w = area.x1 - area.x0 + 1;
  const h = area.y1 - area.y0 + 1;
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const visit = (x: number, y: number) => {
    const j = (y - area.y0) * w + (x - area.x0);
    if (outside[j] || labels[y * width + x] === label) return;
    outside[j] = 1;
    stack.push(x, y);
  };
  for (let x = area.x0; x <= area.x1; x++) {
    visit(x, area.y0);
    visit(x, area.y1);
  }
  for (let y = area.y0; y <= area.y1; y++) {
    visit(area.x0, y);
    visit(area.x1, y);
  }
  while (stack.length) {
    const y = stack.pop()!;
    const x = stack.pop()!;
    if (x > area.x0) visit(x - 1, y);
    if (x < area.x1) visit(x + 1, y);
    if (y > area.y0) visit(x, y - 1);
    if (y < area.y1) visit(x, y + 1);
  }
  return outside.map((v) => 1 - v);
}

/**
 * Turns each area dark on light: its pixels inverted, and its own ground (the area's
 * median, a bar's colour) stretched to white, so the area reads like the paper around it.
 * An area whose text is darker than its ground (dark text on an orange pill) is not
 * inverted: its ground is only lifted to white.
 */
export function invertRegions({ data }: Grey, { regions, count }: TextBackgrounds): void {
  if (count === 0) return;
  const histograms = Array.from({ length: count + 1 }, () => new Uint32Array(256));
  const sizes = new Uint32Array(count + 1);
  for (let i = 0; i < data.length; i++) {
    const region = regions[i]!;
    if (!region) continue;
    histograms[region]![data[i]!]!++;
    sizes[region]!++;
  }
  const luts = histograms.map((histogram, region) => {
    const size = Math.max(1, sizes[region]!);
    const median = percentile(histogram, size, 0.5);
    // The text is whichever side of the ground reaches further: light on a dark bar (turned),
    // or dark on a mid-tone shape such as an orange pill (only its ground lifted to white).
    if (median - percentile(histogram, size, 0.02) > percentile(histogram, size, 0.98) - median) {
      return Uint8Array.from({ length: 256 }, (_, v) => Math.min(255, Math.round((v * 255) / Math.max(1, median))));
    }
    const ground = 255 - median;
    return Uint8Array.from({ length: 256 }, (_, v) => Math.min(255, Math.round(((255 - v) * 255) / Math.max(1, ground))));
  });
  for (let i = 0; i < data.length; i++) {
    const region = regions[i]!;
    if (region) data[i] = luts[region]![data[i]!]!;
  }
}

/**
 * Flattens the paper to white and stretches the ink to black, in `target`. The background
 * (a high percentile over blocks, smoothed) and the ink and paper levels are measured on
 * `reference`, a smoothed copy of the page so grain does not fool them. Dividing out the
 * background removes shadows and grey paper; the stretch maps the typical ink to black and
 * the paper, grain included, to white: the white point sits below the paper's level by its
 * own spread, so grain vanishes instead of being amplified with the contrast.
 */
export function normalizeContrast(target: Grey, reference: Grey): void {
  const background = estimateBackground(reference);
  // Levels of the reference with its background divided out, on a sample of its pixels.
  const histogram = new Uint32Array(256);
  const { width, height } = reference;
  for (let y = 1; y < height; y += 3) {
    for (let x = 1; x < width; x += 3) {
      const v = reference.data[y * width + x]!;
      histogram[Math.min(255, Math.round((v * 255) / paperAt(background, x, y)))]!++;
    }
  }
  const threshold = otsu(histogram);
  const ink = classStats(histogram, 0, threshold);
  const paper = classStats(histogram, threshold, 256);
  if (ink.count === 0 || paper.count === 0) return;
  const white = Math.max(threshold, Math.round(paper.median - 2.5 * paper.spread));
  const black = Math.min(ink.median, white - 16);
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    lut[v] = v >= white ? 255 : v <= black ? 0 : Math.round(((v - black) * 255) / (white - black));
  }
  divideBy(target, background, lut);
}


export interface Background {
  grid: Float32Array;
  cols: number;
  rows: number;
  block: number;
}

function estimateBackground({ data, width, height }: Grey): Background {
  const block = Math.max(16, Math.round(Math.min(width, height) / 40));
  const cols = Math.ceil(width / block);
  const rows = Math.ceil(height / block);
  const grid = new Float32Array(cols * rows);
  const histogram = new Uint32Array(256);
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      histogram.fill(0);
      let count = 0;
      const y1 = Math.min(height, (by + 1) * block);
      const x1 = Math.min(width, (bx + 1) * block);
      for (let y = by * block; y < y1; y += 2) {
        const row = y * width;
        for (let x = bx * block; x < x1; x += 2) {
          histogram[data[row + x]!]!++;
          count++;
        }
      }
      grid[by * cols + bx] = percentile(histogram, count, 0.9);
    }
  }
  // Blocks inside large dark areas see no paper: take the brightest neighbour, then smooth.
  const filled = neighbourhood(grid, cols, rows, Math.max);
  return { grid: neighbourhood(filled, cols, rows, (...v) => v.reduce((a, b) => a + b, 0) / v.length), cols, rows, block };
}

function paperAt({ grid, cols, rows, block }: Background, x: number, y: number): number {
  const gy = Math.min(rows - 1, Math.max(0, (y + 0.5) / block - 0.5));
  const gx = Math.min(cols - 1, Math.max(0, (x + 0.5) / block - 0.5));
  const y0 = Math.floor(gy);
  const x0 = Math.floor(gx);
  const y1 = Math.min(rows - 1, y0 + 1);
  const x1 = Math.min(cols - 1, x0 + 1);
  const top = grid[y0 * cols + x0]! * (1 - (gx - x0)) + grid[y0 * cols + x1]! * (gx - x0);
  const bottom = grid[y1 * cols + x0]! * (1 - (gx - x0)) + grid[y1 * cols + x1]! * (gx - x0);
  return Math.max(24, top * (1 - (gy - y0)) + bottom * (gy - y0));
}

/** Divides the background out of `image` and maps the result through `lut`, in one pass. */
function divideBy(image: Grey, { grid, cols, rows, block }: Background, lut: Uint8Array): void {
  const { data, width, height } = image;
  // Where each column falls between the grid's columns, computed once.
  const left = new Int32Array(width);
  const right = new Int32Array(width);
  const weight = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const gx = Math.min(cols - 1, Math.max(0, (x + 0.5) / block - 0.5));
    left[x] = Math.floor(gx);
    right[x] = Math.min(cols - 1, left[x]! + 1);
    weight[x] = gx - left[x]!;
  }
  const row = new Float32Array(cols);
  for (let y = 0; y < height; y++) {
    const gy = Math.min(rows - 1, Math.max(0, (y + 0.5) / block - 0.5));
    const y0 = Math.floor(gy);
    const y1 = Math.min(rows - 1, y0 + 1);
    const fy = gy - y0;
    for (let c = 0; c < cols; c++) row[c] = grid[y0 * cols + c]! * (1 - fy) + grid[y1 * cols + c]! * fy;
    const offset = y * width;
    for (let x = 0; x < width; x++) {
      const paper = Math.max(24, row[left[x]!]! * (1 - weight[x]!) + row[right[x]!]! * weight[x]!);
      const i = offset + x;
      const v = (data[i]! * 255) / paper;
      data[i] = lut[v >= 255 ? 255 : v | 0]!;
    }
  }
}

/** Median and robust spread (scaled median absolute deviation) of the levels from..to-1. */
export function classStats(histogram: Uint32Array, from: number, to: number): { count: number; median: number; spread: number } {
  let count = 0;
  for (let v = from; v < to; v++) count += histogram[v]!;
  if (count === 0) return { count, median: 0, spread: 0 };
  const median = levelAt(histogram, from, to, count / 2);
  const deviations = new Uint32Array(256);
  for (let v = from; v < to; v++) deviations[Math.abs(v - median)]! += histogram[v]!;
  const mad = levelAt(deviations, 0, 256, count / 2);
  return { count, median, spread: 1.4826 * mad };
}

function levelAt(histogram: Uint32Array, from: number, to: number, rank: number): number {
  let seen = 0;
  for (let v = from; v < to; v++) {
    seen += histogram[v]!;
    if (seen >= rank) return v;
  }
  return to - 1;
}

/** The grey level below which `fraction` of a histogram's `count` values lie. */
export function percentile(histogram: Uint32Array, count: number, fraction: number): number {
  let seen = 0;
  const target = count * fraction;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v]!;
    if (seen >= target) return v;
  }
  return 255;
}

function neighbourhood(grid: Float32Array, cols: number, rows: number, combine: (...values: number[]) => number): Float32Array {
  const out = new Float32Array(grid.length);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const values: number[] = [];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < rows && xx >= 0 && xx < cols) values.push(grid[yy * cols + xx]!);
        }
      }
      out[y * cols + x] = combine(...values);
    }
  }
  return out;
}

/** The middle value (the upper one of an even count); 0 for none. */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

/** Otsu's threshold: the grey level that best splits the histogram into ink and paper. */
export function otsu(histogram: Uint32Array): number {
  let total = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    total += histogram[v]!;
    sum += v * histogram[v]!;
  }
  let background = 0;
  let backgroundSum = 0;
  let best = 0;
  let threshold = 128;
  for (let v = 0; v < 256; v++) {
    background += histogram[v]!;
    if (background === 0) continue;
    const foreground = total - background;
    if (foreground === 0) break;
    backgroundSum += v * histogram[v]!;
    const meanB = backgroundSum / background;
    const meanF = (sum - backgroundSum) / foreground;
    const between = background * foreground * (meanB - meanF) ** 2;
    if (between > best) {
      best = between;
      threshold = v + 1;
    }
  }
  return threshold;
}

/** Ink mask: 1 where the pixel is darker than the Otsu threshold. */
export function binarize({ data, width, height }: Grey): Uint8Array {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) histogram[data[i]!]!++;
  const threshold = Math.min(otsu(histogram), 200);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) mask[i] = data[i]! < threshold ? 1 : 0;
  return mask;
}

export interface Component {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  area: number;
}

/** Connected ink components (8-connected), by two-pass labelling with union-find. */
export function components(mask: Uint8Array, width: number, height: number): { labels: Int32Array; list: Component[] } {
  const labels = new Int32Array(width * height);
  // Provisional labels' parents (a label is its own root); grown by doubling as labels appear.
  let parent = new Int32Array(1024);
  let next = 1;
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!mask[i]) continue;
      // Neighbours already visited: left, and the three above. Those that touch each other
      // were joined when the later of them was labelled: with ink above, all four are one
      // component already; without, left and above-left are, and only above-right may not be.
      const above = y > 0 ? labels[i - width]! : 0;
      let label = above;
      if (!label) {
        label = x > 0 ? labels[i - 1]! || (y > 0 ? labels[i - width - 1]! : 0) : 0;
        const aboveRight = y > 0 && x < width - 1 ? labels[i - width + 1]! : 0;
        if (aboveRight) {
          if (label) {
            // The two join under the smaller root.
            const a = find(label);
            const b = find(aboveRight);
            if (a < b) parent[b] = a;
            else if (b < a) parent[a] = b;
            label = Math.min(a, b);
          } else {
            label = aboveRight;
          }
        }
      }
      if (!label) {
        if (next === parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        label = next++;
        parent[label] = label;
      }
      labels[i] = label;
    }
  }
  // Every label's root, then each root's place in `list` in the order its first pixel is met.
  for (let label = 1; label < next; label++) parent[label] = find(label);
  const index = new Int32Array(next).fill(-1);
  const list: Component[] = [];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const label = labels[i]!;
      if (!label) continue;
      const root = parent[label]!;
      let k = index[root]!;
      if (k < 0) {
        k = list.length;
        index[root] = k;
        list.push({ x0: x, y0: y, x1: x, y1: y, area: 0 });
      }
      const c = list[k]!;
      if (x < c.x0) c.x0 = x;
      if (x > c.x1) c.x1 = x;
      if (y > c.y1) c.y1 = y;
      c.area++;
      // Labels become 1 + the component's index in `list`; 0 stays "no ink".
      labels[i] = k + 1;
    }
  }
  return { labels, list };
}

/** Components smaller than this (their larger side, in pixels) are taken for specks, not letters. */
const SMALLEST_LETTER_PX = 6;

/**
 * Typical character size in pixels: the larger side of the median letter-like component,
 * each component counting once, so that a page's many body letters set it, not the few
 * large letters of a headline. Specks too small to be letters are left out; the larger
 * side makes it the same for a page in any orientation.
 */
export function characterSize(list: Component[], width: number, height: number): number | null {
  const sizes: number[] = [];
  for (const c of list) {
    const w = c.x1 - c.x0 + 1;
    const h = c.y1 - c.y0 + 1;
    const larger = Math.max(w, h);
    if (c.area < 12 || larger < SMALLEST_LETTER_PX || larger > Math.min(width, height) / 8) continue;
    if (larger / Math.min(w, h) > 6) continue;
    sizes.push(larger);
  }
  return quantile(sizes, 0.5);
}

/**
 * The letter size at which half the ink lies in smaller components. Noise specks are many
 * but hold little ink, so on a noisy page this finds the letters where a count is taken
 * over by specks (a headline can take it over, though: use characterSize where it can).
 */
export function inkWeightedCharacterSize(list: Component[], width: number, height: number): number | null {
  const sized: Array<[size: number, area: number]> = [];
  let total = 0;
  for (const c of list) {
    const larger = Math.max(c.x1 - c.x0 + 1, c.y1 - c.y0 + 1);
    if (c.area < 4 || larger > Math.min(width, height) / 8) continue;
    sized.push([larger, c.area]);
    total += c.area;
  }
  if (sized.length < 20) return null;
  sized.sort((a, b) => a[0] - b[0]);
  let seen = 0;
  for (const [size, area] of sized) {
    seen += area;
    if (seen >= total / 2) return size;
  }
  return sized.at(-1)![0];
}

/**
 * The pixels of ruled lines: ink in a run at least `minRun` long across (or down) the page
 * and at most `maxThickness` thick the other way (table rules, cell borders, underlines,
 * form boxes). A letter's strokes are shorter, and a headline's bold bars thicker. Null when
 * the page has none.
 */
export function ruledLines(mask: Uint8Array, width: number, height: number, minRun: number, maxThickness: number): Uint8Array | null {
  // The length of the run each ink pixel is in, across and down.
  const across = new Uint16Array(mask.length);
  const down = new Uint16Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; ) {
      if (!mask[row + x]) {
        x++;
        continue;
      }
      let end = x;
      while (end < width && mask[row + end]) end++;
      across.fill(Math.min(65535, end - x), row + x, row + end);
      x = end;
    }
  }
  // Down, a row at a time: each pixel counts the ink above it in its run, then the count at
  // a run's foot is handed up the run.
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) down[i] = Math.min(65535, (i >= width ? down[i - width]! : 0) + 1);
  }
  for (let i = mask.length - width - 1; i >= 0; i--) {
    if (mask[i] && mask[i + width]) down[i] = down[i + width]!;
  }
  const rules = new Uint8Array(mask.length);
  let found = false;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    if ((across[i]! >= minRun && down[i]! <= maxThickness) || (down[i]! >= minRun && across[i]! <= maxThickness)) {
      rules[i] = 1;
      found = true;
    }
  }
  return found ? rules : null;
}

/**
 * Whether a component is a drawn box: a checkbox, a form field's frame, a table's grid. It is
 * hollow (its ink under 35% of its box) and has ink all along the four sides of its box
 * (checked at FRAME_SIDE_POINTS points on each, corners included). No letter has: O lacks
 * the corners, H, N, X and Z a side's middle, and a letter on a page turned far askew
 * touches its box only here and there.
 */
export function isFrame(c: Component, mask: Uint8Array, width: number): boolean {
  const w = c.x1 - c.x0 + 1;
  const h = c.y1 - c.y0 + 1;
  if (w < 6 || h < 6 || c.area >= 0.35 * w * h) return false;
  // Ink within two pixels of a point inside the box; one, for a box the size of a letter.
  const near = Math.min(w, h) < 30 ? 1 : 2;
  const inkNear = (x: number, y: number) => {
    for (let yy = Math.max(c.y0, y - near); yy <= Math.min(c.y1, y + near); yy++) {
      for (let xx = Math.max(c.x0, x - near); xx <= Math.min(c.x1, x + near); xx++) if (mask[yy * width + xx]) return true;
    }
    return false;
  };
  for (let k = 0; k < FRAME_SIDE_POINTS; k++) {
    const x = c.x0 + Math.round((k * (w - 1)) / (FRAME_SIDE_POINTS - 1));
    const y = c.y0 + Math.round((k * (h - 1)) / (FRAME_SIDE_POINTS - 1));
    if (!inkNear(x, c.y0) || !inkNear(x, c.y1) || !inkNear(c.x0, y) || !inkNear(c.x1, y)) return false;
  }
  return true;
}

/** Points checked along each side of a box that may be drawn (corners and middle among them). */
const FRAME_SIDE_POINTS = 9;

/**
 * Sampled ink pixels as (x, y) pairs: every `step`-th ink pixel in reading order. A hundred
 * thousand points measure a slope to a twentieth of a degree as well as millions. The sample
 * follows the ink, not a fixed lattice of positions: a lattice (x ≡ y mod step) lines up with
 * a 45° shear, whose row profile then looks sharpest on any page with much ink.
 */
export function inkPoints(mask: Uint8Array, width: number, height: number, maxPoints = 100_000): Int32Array {
  let ink = 0;
  for (let i = 0; i < mask.length; i++) ink += mask[i]!;
  const step = Math.max(1, Math.ceil(ink / maxPoints));
  const points: number[] = [];
  let seen = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] && seen++ % step === 0) points.push(x, y);
    }
  }
  return Int32Array.from(points);
}

/**
 * A view of the points with lines expected to run horizontally: as they are, or turned a
 * quarter clockwise (a page on its side, set upright).
 */
export function turnQuarter(points: Int32Array, height: number): Int32Array {
  const out = new Int32Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    out[i] = height - 1 - points[i + 1]!;
    out[i + 1] = points[i]!;
  }
  return out;
}

/** Row profile of the points after shearing them by `degrees` (removing that line slope). */
export function rowProfile(points: Int32Array, degrees: number, extent: number): Float64Array {
  const t = Math.tan((degrees * Math.PI) / 180);
  const margin = Math.ceil(Math.abs(t) * extent);
  const bins = new Float64Array(extent + 2 * margin + 1);
  for (let i = 0; i < points.length; i += 2) {
    const bin = Math.round(points[i + 1]! - points[i]! * t) + margin;
    if (bin >= 0 && bin < bins.length) bins[bin]!++;
  }
  return bins;
}

/**
 * How sharp the row profile of the points is after shearing them by `degrees`: the sum of its
 * squared bins (the energy of `rowProfile`, without keeping the profile). The points come as
 * separate x and y columns (see `pointColumns`), which this loop, run for every slope tried,
 * reads fastest.
 */
export function profileSharpness({ xs, ys }: PointColumns, degrees: number, extent: number): number {
  const t = Math.tan((degrees * Math.PI) / 180);
  const margin = Math.ceil(Math.abs(t) * extent);
  const size = extent + 2 * margin + 1;
  const bins = new Int32Array(size);
  for (let i = 0; i < xs.length; i++) {
    const bin = Math.round(ys[i]! - xs[i]! * t) + margin;
    if (bin >= 0 && bin < size) bins[bin]!++;
  }
  let energy = 0;
  for (let i = 0; i < size; i++) energy += bins[i]! * bins[i]!;
  return energy;
}

export interface PointColumns {
  xs: Float64Array;
  ys: Float64Array;
}

/** Interleaved (x, y) points as two columns. */
export function pointColumns(points: Int32Array): PointColumns {
  const xs = new Float64Array(points.length >> 1);
  const ys = new Float64Array(points.length >> 1);
  for (let i = 0, k = 0; k < xs.length; i += 2, k++) {
    xs[k] = points[i]!;
    ys[k] = points[i + 1]!;
  }
  return { xs, ys };
}

/** From this many points on, the coarse slope search looks at every COARSE_SAMPLE-th of them. */
const SAMPLED_COARSE_FROM = 40_000;
const COARSE_SAMPLE = 4;

/**
 * The line slope (degrees, clockwise as drawn: positive when lines fall to the right) that
 * makes the row profile sharpest. Rotating the page by minus the slope levels its lines.
 * Slopes are searched every half degree, then every twentieth about the best. With many
 * points, the half-degree search runs on a sample of them; level, its best slope and the
 * slopes either side are then scored on all of them, which the finer search starts from.
 */
export function levelLines(points: Int32Array, extent: number, maxDegrees = 45): number {
  if (points.length < 400) return 0;
  const columns = pointColumns(points);
  const sampled = columns.xs.length >= SAMPLED_COARSE_FROM;
  const coarseOn = sampled ? everyNth(columns, COARSE_SAMPLE) : columns;
  let coarse = 0;
  let coarseEnergy = profileSharpness(coarseOn, 0, extent);
  for (let a = -maxDegrees; a <= maxDegrees; a += 0.5) {
    const e = profileSharpness(coarseOn, a, extent);
    if (e > coarseEnergy) [coarse, coarseEnergy] = [a, e];
  }
  let best = 0;
  let bestEnergy = sampled ? profileSharpness(columns, 0, extent) : coarseEnergy;
  if (sampled) {
    for (const a of [coarse - 0.5, coarse, coarse + 0.5]) {
      if (Math.abs(a) > maxDegrees) continue;
      const e = profileSharpness(columns, a, extent);
      if (e > bestEnergy) [best, bestEnergy] = [a, e];
    }
  } else {
    best = coarse;
  }
  const around = best;
  for (let a = around - 0.45; a <= around + 0.45; a += 0.05) {
    const e = profileSharpness(columns, a, extent);
    if (e > bestEnergy) [best, bestEnergy] = [a, e];
  }
  return Math.round(best * 100) / 100;
}

/** Every `n`-th point of the columns. */
function everyNth({ xs, ys }: PointColumns, n: number): PointColumns {
  const count = Math.ceil(xs.length / n);
  const sample = { xs: new Float64Array(count), ys: new Float64Array(count) };
  for (let k = 0; k < count; k++) {
    sample.xs[k] = xs[k * n]!;
    sample.ys[k] = ys[k * n]!;
  }
  return sample;
}

/**
 * Whether level text reads upright: in Latin script more letters rise above the x-height
 * (capitals, b d f h k l t) than fall below the baseline (g j p q y). Per text line of the
 * row profile, compares the ink above the line's core band with the ink below it.
 * Above 1: upright; below 1: upside down.
 */
export function uprightness(profile: Float64Array): number {
  const height = profile.length;
  let above = 0;
  let below = 0;
  let y = 0;
  while (y < height) {
    while (y < height && profile[y]! === 0) y++;
    const start = y;
    while (y < height && profile[y]! > 0) y++;
    const end = y;
    if (end - start < 4) continue;
    // The core (x-height band) holds the densest rows of the line.
    let peak = 0;
    for (let k = start; k < end; k++) peak = Math.max(peak, profile[k]!);
    let coreTop = start;
    let coreBottom = end - 1;
    while (coreTop < end && profile[coreTop]! < peak * 0.5) coreTop++;
    while (coreBottom > start && profile[coreBottom]! < peak * 0.5) coreBottom--;
    for (let k = start; k < coreTop; k++) above += profile[k]!;
    for (let k = coreBottom + 1; k < end; k++) below += profile[k]!;
  }
  return (above + 1) / (below + 1);
}

/** Letter heights across the text lines: the typical one, and one of the smallest text's. */
export interface LetterHeights {
  /** The median letter, each letter counting once. */
  median: number;
  /** The 20th percentile: the small print of a page that also has large type. */
  small: number;
}

/**
 * Letter height in pixels across the text lines (the component extent at right angles to
 * the lines), each letter counting once. Touching letters merge sideways but not upwards,
 * so this stays true where letters run together, as they do in small or blurred print.
 */
export function letterHeights(list: Component[], linesRunVertically: boolean, pageSide: number): LetterHeights | null {
  const sizes: number[] = [];
  for (const c of list) {
    const across = linesRunVertically ? c.x1 - c.x0 + 1 : c.y1 - c.y0 + 1;
    const along = linesRunVertically ? c.y1 - c.y0 + 1 : c.x1 - c.x0 + 1;
    if (letterShaped(c, across, along, pageSide)) sizes.push(across);
  }
  const median = quantile(sizes, 0.5);
  const small = quantile(sizes, 0.2);
  return median === null || small === null ? null : { median, small };
}

/**
 * Whether a component, `across` its line and `along` it, is shaped like a letter: not a speck,
 * and not a rule or a frame's line (long and thin across).
 */
export function letterShaped(c: Component, across: number, along: number, pageSide: number): boolean {
  if (c.area < 12 || Math.max(across, along) < SMALLEST_LETTER_PX || across < 3 || across > pageSide / 8) return false;
  return along / across <= 25 && across / along <= 6;
}

/** The value below which `fraction` of the sizes lie; null with too few to tell. */
function quantile(sizes: number[], fraction: number): number | null {
  if (sizes.length < 20) return null;
  sizes.sort((a, b) => a - b);
  return sizes[Math.min(sizes.length - 1, Math.floor(sizes.length * fraction))]!;
}

/**
 * Which way text lines run, from letters' nearest neighbours: within a line the next letter
 * is closer than the letter above or below, so nearest neighbours lie mostly along the
 * lines. Unlike ink profiles, this is not fooled by letters that also line up in columns
 * (tables, repeated text). Nearness is the gap between boxes, not between centres: where
 * letters run together into words (bold type, a blurred photo) the next word is still
 * nearer than the line below, though its centre is further. Returns how many more
 * neighbours lie sideways than above or below: >1 for horizontal lines, <1 for vertical ones.
 * With `every` above 1, only every `every`-th letter's nearest neighbour is looked for.
 */
export function neighbourDirection(letters: Component[], every = 1): number {
  if (letters.length < 2) return 1;
  const sizes = letters.map((c) => Math.max(c.x1 - c.x0, c.y1 - c.y0) + 1).sort((a, b) => a - b);
  const cell = Math.max(4, sizes[Math.floor(sizes.length / 2)]! * 2);
  const grid = new Map<number, number[]>();
  const key = (gx: number, gy: number) => gy * 1_000_003 + gx;
  // Each box is listed in every cell it covers, so a long word is found from any side.
  letters.forEach((c, i) => {
    for (let gy = Math.floor(c.y0 / cell); gy <= Math.floor(c.y1 / cell); gy++) {
      for (let gx = Math.floor(c.x0 / cell); gx <= Math.floor(c.x1 / cell); gx++) {
        const k = key(gx, gy);
        const bucket = grid.get(k);
        if (bucket) bucket.push(i);
        else grid.set(k, [i]);
      }
    }
  });
  let sideways = 0;
  let vertical = 0;
  letters.forEach((c, i) => {
    if (i % every) return;
    let best = Infinity;
    let across = 0;
    let down = 0;
    const seen = new Set<number>();
    for (let gy = Math.floor(c.y0 / cell) - 1; gy <= Math.floor(c.y1 / cell) + 1; gy++) {
      for (let gx = Math.floor(c.x0 / cell) - 1; gx <= Math.floor(c.x1 / cell) + 1; gx++) {
        for (const j of grid.get(key(gx, gy)) ?? []) {
          if (j === i || seen.has(j)) continue;
          seen.add(j);
          const o = letters[j]!;
          const gapX = Math.max(0, o.x0 - c.x1, c.x0 - o.x1);
          const gapY = Math.max(0, o.y0 - c.y1, c.y0 - o.y1);
          // Boxes that touch or overlap (an i and its dot) say nothing about direction.
          if (gapX === gapY) continue;
          const d = gapX * gapX + gapY * gapY;
          if (d < best) [best, across, down] = [d, gapX, gapY];
        }
      }
    }
    if (best === Infinity) return;
    if (across > down) sideways++;
    else vertical++;
  });
  return (sideways + 1) / (vertical + 1);
}
