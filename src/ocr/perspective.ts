// A page photographed lying on a desk is a four-sided shape, usually not a rectangle: find
// its corners and map it back flat (a perspective transform), so its lines run straight
// and parallel again.
import type { Grey } from './imaging';
import { otsu } from './imaging';

export interface Point {
  x: number;
  y: number;
}

/** The page's corners: top left, top right, bottom right, bottom left. */
export type Quad = [Point, Point, Point, Point];

/** The page is looked for on a copy this many pixels on its longer side. */
const SEARCH_SIDE = 256;
/** A page covering less of the photo than this is not taken for one; more, and there is no desk to cut away. */
const MIN_PAGE_SHARE = 0.2;
const MAX_PAGE_SHARE = 0.95;
/** Grey levels the page must stand out by across each of its edges: a shadow fades, an edge is a step. */
const EDGE_STEP = 15;
/** A step this many times sharper beyond an edge is the sheet's edge; the first was a shadow's. */
const SHARPER_EDGE = 1.5;
/** Share of the way to the page's centre its corners are drawn in. */
const INSET = 0.03;

/**
 * The corners of a page lying on a darker ground, or null when there is none to find: the
 * page fills the picture, is not a clear four-sided shape, or its edges are soft (the
 * border of a shadow, not of a sheet).
 */
export function findPage(image: Grey): Quad | null {
  const small = shrink(image, SEARCH_SIDE);
  const histogram = new Uint32Array(256);
  for (const v of small.data) histogram[v]!++;
  const threshold = otsu(histogram);
  // A shadow may fall across part of the page: the page is grown from its bright part into
  // whatever is still lighter than midway between the ground and the page.
  let groundSum = 0;
  let groundCount = 0;
  for (let v = 0; v < threshold; v++) {
    groundSum += v * histogram[v]!;
    groundCount += histogram[v]!;
  }
  const low = groundCount ? Math.round((threshold + groundSum / groundCount) / 2) : threshold;
  const region = largestBright(small, threshold, low);
  const share = region.length / small.data.length;
  if (share < MIN_PAGE_SHARE || share > MAX_PAGE_SHARE) return null;
  // The corners are the region's farthest points along the diagonals.
  let [tl, tr, br, bl] = [region[0]!, region[0]!, region[0]!, region[0]!];
  for (const p of region) {
    if (p.x + p.y < tl.x + tl.y) tl = p;
    if (p.x + p.y > br.x + br.y) br = p;
    if (p.x - p.y > tr.x - tr.y) tr = p;
    if (p.x - p.y < bl.x - bl.y) bl = p;
  }
  const quad: Quad = [tl, tr, br, bl];
  const area = quadArea(quad);
  // The region must be the quadrilateral its corners make, not a blob that has corners.
  if (area < region.length * 0.9 || area > region.length * 1.1) return null;
  // A shadow over one end of the page can hide that end from the bright region, and the
  // shadow's border passes for an edge: each edge moves out along its neighbouring sides to
  // a much sharper step beyond it, where there is one (the sheet's own edge).
  for (let i = 0; i < 4; i++) pushOut(small, quad, i);
  if (!quad.every((_, i) => edgeStep(small, quad[i]!, quad[(i + 1) % 4]!, quad) >= EDGE_STEP)) return null;
  if (quadArea(quad) > small.data.length * MAX_PAGE_SHARE) return null;
  const scaleX = image.width / small.width;
  const scaleY = image.height / small.height;
  // The corners are found to a pixel of the small copy: drawn in a little, so that no sliver
  // of the desk is left at the page's edge (a page's margin is blank).
  const centre = { x: quad.reduce((sum, p) => sum + p.x, 0) / 4, y: quad.reduce((sum, p) => sum + p.y, 0) / 4 };
  return quad.map((p) => ({
    x: (p.x + 0.5 + (centre.x - p.x) * INSET) * scaleX,
    y: (p.y + 0.5 + (centre.y - p.y) * INSET) * scaleY,
  })) as Quad;
}

/** The size of the flat page a quadrilateral maps to: its longer opposite sides. */
export function flatSize([tl, tr, br, bl]: Quad): { width: number; height: number } {
  const length = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
  return {
    width: Math.round(Math.max(length(tl, tr), length(bl, br))),
    height: Math.round(Math.max(length(tl, bl), length(tr, br))),
  };
}

/**
 * The homography that takes a point of the flat page (width x height) to the photo: the
 * flat page's corners go to the quadrilateral's. Nine numbers, row by row.
 */
export function homography(quad: Quad, width: number, height: number): number[] {
  const from: Point[] = [
    { x: 0, y: 0 },
    { x: width, y: 0 },
    { x: width, y: height },
    { x: 0, y: height },
  ];
  // Eight equations, two per corner, for h11..h32 (h33 = 1).
  const rows: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const { x, y } = from[i]!;
    const { x: u, y: v } = quad[i]!;
    rows.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    rows.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  return [...solve(rows), 1];
}

/** Where the homography `h` takes the point (x, y). */
export function project(h: readonly number[], x: number, y: number): Point {
  const w = h[6]! * x + h[7]! * y + h[8]!;
  return { x: (h[0]! * x + h[1]! * y + h[2]!) / w, y: (h[3]! * x + h[4]! * y + h[5]!) / w };
}

/** The flat page: each of its pixels sampled (bilinear) where the homography puts it in the photo. */
export function warp(image: Grey, h: readonly number[], width: number, height: number): Grey {
  const out = new Uint8Array(width * height);
  const { data, width: w, height: ht } = image;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = project(h, x + 0.5, y + 0.5);
      const sx = Math.min(w - 1.001, Math.max(0, p.x - 0.5));
      const sy = Math.min(ht - 1.001, Math.max(0, p.y - 0.5));
      const x0 = sx | 0;
      const y0 = sy | 0;
      const fx = sx - x0;
      const fy = sy - y0;
      const i = y0 * w + x0;
      const top = data[i]! * (1 - fx) + data[i + 1]! * fx;
      const bottom = data[i + w]! * (1 - fx) + data[i + w + 1]! * fx;
      out[y * width + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return { data: out, width, height };
}

/** A copy with the longer side `side` pixels, each pixel the mean of the block it covers. */
function shrink(image: Grey, side: number): Grey {
  const factor = Math.max(1, Math.max(image.width, image.height) / side);
  const width = Math.max(1, Math.floor(image.width / factor));
  const height = Math.max(1, Math.floor(image.height / factor));
  const sums = new Float64Array(width * height);
  const counts = new Uint32Array(width * height);
  // The small copy's column each of the image's columns falls in, computed once.
  const column = new Int32Array(image.width);
  for (let x = 0; x < image.width; x++) column[x] = Math.min(width - 1, Math.floor(x / factor));
  for (let y = 0; y < image.height; y++) {
    const sy = Math.min(height - 1, Math.floor(y / factor));
    for (let x = 0; x < image.width; x++) {
      const k = sy * width + column[x]!;
      sums[k]! += image.data[y * image.width + x]!;
      counts[k]!++;
    }
  }
  const data = new Uint8Array(width * height);
  for (let k = 0; k < data.length; k++) data[k] = Math.round(sums[k]! / Math.max(1, counts[k]!));
  return { data, width, height };
}

/**
 * The pixels of the largest 4-connected region that has pixels brighter than `threshold`,
 * grown into the neighbouring pixels brighter than `low`.
 */
function largestBright({ data, width, height }: Grey, threshold: number, low: number): Point[] {
  const seen = new Uint8Array(data.length);
  let best: Point[] = [];
  for (let start = 0; start < data.length; start++) {
    if (seen[start] || data[start]! < threshold) continue;
    const region: Point[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      region.push({ x, y });
      for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]] as const) {
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const j = ny * width + nx;
        if (!seen[j] && data[j]! >= low) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    if (region.length > best.length) best = region;
  }
  return best;
}

function quadArea(quad: Quad): number {
  let twice = 0;
  for (let i = 0; i < 4; i++) {
    const a = quad[i]!;
    const b = quad[(i + 1) % 4]!;
    twice += a.x * b.y - b.x * a.y;
  }
  return Math.abs(twice) / 2;
}

/**
 * Moves edge i of `quad` (from corner i to corner i + 1) outward, its corners sliding along
 * the sides they end, to where the step across it is greatest (while both stay on the
 * image), if that step is SHARPER_EDGE times the one where it is.
 */
function pushOut(image: Grey, quad: Quad, i: number): void {
  const [a, b] = [quad[i]!, quad[(i + 1) % 4]!];
  const [before, after] = [quad[(i + 3) % 4]!, quad[(i + 2) % 4]!];
  const along = (from: Point, to: Point) => {
    const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
    return { x: (to.x - from.x) / length, y: (to.y - from.y) / length };
  };
  const [da, db] = [along(before, a), along(after, b)];
  const inside = (p: Point) => p.x >= 0 && p.y >= 0 && p.x <= image.width - 1 && p.y <= image.height - 1;
  const here = edgeStep(image, a, b, quad);
  let best = { step: here, a, b };
  for (let t = 1; ; t++) {
    const [na, nb] = [{ x: a.x + da.x * t, y: a.y + da.y * t }, { x: b.x + db.x * t, y: b.y + db.y * t }];
    if (!inside(na) || !inside(nb)) break;
    const step = edgeStep(image, na, nb, quad);
    if (step > best.step) best = { step, a: na, b: nb };
  }
  if (best.step >= Math.max(EDGE_STEP, here * SHARPER_EDGE)) [quad[i], quad[(i + 1) % 4]] = [best.a, best.b];
}

/** How much brighter the page is just inside its edge a..b than just outside it, on average. */
function edgeStep(image: Grey, a: Point, b: Point, quad: Quad): number {
  const centre = { x: quad.reduce((s, p) => s + p.x, 0) / 4, y: quad.reduce((s, p) => s + p.y, 0) / 4 };
  const at = (x: number, y: number) =>
    image.data[Math.min(image.height - 1, Math.max(0, Math.round(y))) * image.width + Math.min(image.width - 1, Math.max(0, Math.round(x)))]!;
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  // The unit normal pointing into the page.
  let nx = -(b.y - a.y) / length;
  let ny = (b.x - a.x) / length;
  const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  if ((centre.x - mid.x) * nx + (centre.y - mid.y) * ny < 0) [nx, ny] = [-nx, -ny];
  const offset = 3;
  let sum = 0;
  const samples = 20;
  for (let k = 1; k < samples; k++) {
    const t = k / samples;
    const x = a.x + (b.x - a.x) * t;
    const y = a.y + (b.y - a.y) * t;
    sum += at(x + nx * offset, y + ny * offset) - at(x - nx * offset, y - ny * offset);
  }
  return sum / (samples - 1);
}

/** Gaussian elimination with partial pivoting on an augmented n x (n+1) system. */
function solve(rows: number[][]): number[] {
  const n = rows.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(rows[r]![col]!) > Math.abs(rows[pivot]![col]!)) pivot = r;
    [rows[col], rows[pivot]] = [rows[pivot]!, rows[col]!];
    const p = rows[col]!;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = rows[r]![col]! / p[col]!;
      for (let c = col; c <= n; c++) rows[r]![c]! -= factor * p[c]!;
    }
  }
  return rows.map((row, i) => row[n]! / row[i]!);
}
