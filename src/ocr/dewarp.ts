// A page that curls (a book near its spine, a sheet that will not lie flat) bends its text
// lines. Each line is traced through its letters and fitted with a curve; the page is then
// resampled so that every line runs straight at its own level again. The model moves pixels
// up and down only, by an amount that varies smoothly across the page and between lines.
import type { Component, Grey } from './imaging';

/** One traced line: where it lies (`level`), and its bend about `centre` (y = a·(x−centre)² + b·(x−centre) + c). */
export interface CurvedLine {
  level: number;
  centre: number;
  a: number;
  b: number;
  c: number;
}

/** The lines that shape the page's bend, top to bottom. */
export interface Dewarp {
  lines: CurvedLine[];
}

/** Letters a line needs, and the share of the page's width it must cross, to be fitted. */
const MIN_LETTERS = 10;
const MIN_SPAN = 0.25;
/** Lines bending less than this many letter heights leave the page as it is. */
const MIN_BEND = 0.2;

/**
 * The bend of the page's text lines, from its letters, or null when they run straight
 * (within MIN_BEND of a letter height) or too few lines can be traced.
 */
export function findBend(letters: Component[], letterPx: number, width: number): Dewarp | null {
  const lines = traceLines(letters, letterPx).filter(
    (line) => line.length >= MIN_LETTERS && line.at(-1)!.x1 - line[0]!.x0 >= width * MIN_SPAN,
  );
  if (lines.length < 2) return null;
  const fitted = lines.map(fitLine).filter((line): line is CurvedLine & { bend: number } => line !== null);
  if (fitted.length < 2) return null;
  const bends = fitted.map((line) => line.bend).sort((x, y) => x - y);
  if (bends[Math.floor(bends.length / 2)]! < MIN_BEND * letterPx) return null;
  return { lines: fitted.map(({ bend: _bend, ...line }) => line).sort((x, y) => x.level - y.level) };
}

/** How far up (positive: down) the curled page has the pixel that belongs at (x, y) of the straightened one. */
export function displacement({ lines }: Dewarp, x: number, y: number): number {
  const offset = (line: CurvedLine) => {
    const t = x - line.centre;
    return line.a * t * t + line.b * t + line.c - line.level;
  };
  if (y <= lines[0]!.level) return offset(lines[0]!);
  if (y >= lines.at(-1)!.level) return offset(lines.at(-1)!);
  let below = 1;
  while (lines[below]!.level < y) below++;
  const upper = lines[below - 1]!;
  const lower = lines[below]!;
  const share = (y - upper.level) / Math.max(1e-6, lower.level - upper.level);
  return offset(upper) * (1 - share) + offset(lower) * share;
}

/** The page straightened: each pixel taken from where the bend put it (linear between rows). */
export function straighten(image: Grey, bend: Dewarp): Grey {
  const { data, width, height } = image;
  const out = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = y + displacement(bend, x, y);
      if (sy < 0 || sy > height - 1) continue;
      const y0 = Math.floor(sy);
      const y1 = Math.min(height - 1, y0 + 1);
      const f = sy - y0;
      out[y * width + x] = Math.round(data[y0 * width + x]! * (1 - f) + data[y1 * width + x]! * f);
    }
  }
  return { data: out, width, height };
}

/**
 * Letters chained into lines left to right: a letter joins the line whose last letter ends
 * just before it, at about its height. Curved lines are followed, since each link is short.
 */
function traceLines(letters: Component[], letterPx: number): Component[][] {
  const sorted = [...letters].sort((a, b) => a.x0 - b.x0);
  const open: Component[][] = [];
  const centre = (c: Component) => (c.y0 + c.y1) / 2;
  for (const letter of sorted) {
    let best: Component[] | null = null;
    let bestDistance = Infinity;
    for (const line of open) {
      const last = line.at(-1)!;
      const gap = letter.x0 - last.x1;
      const rise = Math.abs(centre(letter) - centre(last));
      if (gap < -letterPx * 0.5 || gap > letterPx * 1.5 || rise > letterPx * 0.5) continue;
      const distance = Math.max(0, gap) + rise * 2;
      if (distance < bestDistance) [best, bestDistance] = [line, distance];
    }
    if (best) best.push(letter);
    else open.push([letter]);
  }
  return open;
}

/**
 * A quadratic through the line's letter bottoms (least squares, then again without the
 * letters far off it: descenders), with how much it bends away from its chord.
 */
function fitLine(line: Component[]): (CurvedLine & { bend: number }) | null {
  const centre = (line[0]!.x0 + line.at(-1)!.x1) / 2;
  let points = line.map((c) => ({ t: (c.x0 + c.x1) / 2 - centre, y: c.y1 }));
  let fit = quadratic(points);
  if (!fit) return null;
  const spread = Math.max(...line.map((c) => c.y1 - c.y0 + 1)) * 0.25;
  points = points.filter(({ t, y }) => Math.abs(fit!.a * t * t + fit!.b * t + fit!.c - y) <= spread);
  fit = quadratic(points);
  if (!fit) return null;
  const half = (line.at(-1)!.x1 - line[0]!.x0) / 2;
  // The quadratic's greatest distance from its chord is at the middle: a·half².
  return { ...fit, centre, level: fit.c, bend: Math.abs(fit.a * half * half) };
}

function quadratic(points: Array<{ t: number; y: number }>): { a: number; b: number; c: number } | null {
  if (points.length < 5) return null;
  // Normal equations for y = a t² + b t + c.
  let [s0, s1, s2, s3, s4, sy, sty, st2y] = [0, 0, 0, 0, 0, 0, 0, 0];
  for (const { t, y } of points) {
    const t2 = t * t;
    s0 += 1;
    s1 += t;
    s2 += t2;
    s3 += t2 * t;
    s4 += t2 * t2;
    sy += y;
    sty += t * y;
    st2y += t2 * y;
  }
  const m = [
    [s4, s3, s2, st2y],
    [s3, s2, s1, sty],
    [s2, s1, s0, sy],
  ];
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    if (Math.abs(m[col]![col]!) < 1e-9) return null;
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const factor = m[r]![col]! / m[col]![col]!;
      for (let c = col; c < 4; c++) m[r]![c]! -= factor * m[col]![c]!;
    }
  }
  return { a: m[0]![3]! / m[0]![0]!, b: m[1]![3]! / m[1]![1]!, c: m[2]![3]! / m[2]![2]! };
}
