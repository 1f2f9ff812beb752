// Pixel damage for set 2: what cameras, scanners, fax machines and printers do to a page.
// Plain loops over 8-bit pixels; every random choice comes from a seeded generator.
import sharp from 'sharp';
import { gaussian, random } from '../random';

export interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export type Rgb = [number, number, number];

export async function toRaster(image: sharp.Sharp, channels: 1 | 3 = 3): Promise<Raster> {
  const piped = channels === 1 ? image.greyscale().toColourspace('b-w') : image.removeAlpha().toColourspace('srgb');
  const { data, info } = await piped.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels };
}

export function fromRaster(raster: Raster): sharp.Sharp {
  const { data, width, height, channels } = raster;
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.length), { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } });
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Independent Gaussian noise on every channel of every pixel (sensor noise, colour speckle). */
export function addNoise(raster: Raster, sigma: number, seed: number): void {
  const normal = gaussian(random(seed));
  const { data } = raster;
  for (let i = 0; i < data.length; i++) data[i] = clamp(data[i]! + normal() * sigma);
}

/**
 * Multiplies each pixel by a light level that varies over the page: `light(x, y)` gives the
 * gain, per channel (an exposure, a vignette, a shadow, a colour cast).
 */
export function shade(raster: Raster, light: (x: number, y: number) => number | Rgb): void {
  const { data, width, height, channels } = raster;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gain = light(x, y);
      const i = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) data[i + c] = clamp(data[i + c]! * (typeof gain === 'number' ? gain : gain[c] ?? 1));
    }
  }
}

/** Lens vignette: full light at the centre, `edge` of it in the corners. */
export function vignette(width: number, height: number, edge: number): (x: number, y: number) => number {
  const cx = width / 2;
  const cy = height / 2;
  const reach = cx * cx + cy * cy;
  return (x, y) => 1 - (1 - edge) * (((x - cx) ** 2 + (y - cy) ** 2) / reach) ** 1.3;
}

/** A soft-edged shadow over the half-plane a·x + b·y > c (a, b a unit normal), `depth` of the light lost. */
export function shadow(a: number, b: number, c: number, softness: number, depth: number): (x: number, y: number) => number {
  return (x, y) => {
    const d = (a * x + b * y - c) / softness;
    const t = d <= -1 ? 0 : d >= 1 ? 1 : (d + 1) / 2;
    return 1 - depth * t * t * (3 - 2 * t);
  };
}

/**
 * Resamples `source` into a new raster of `width`×`height`: `inverse` maps each output pixel
 * to where it comes from in the source (false: outside it, painted `background`). Bilinear.
 */
export function warp(
  source: Raster,
  width: number,
  height: number,
  inverse: (x: number, y: number, out: Float64Array) => boolean,
  background: (x: number, y: number) => Rgb,
): Raster {
  const { data: src, width: sw, height: sh, channels } = source;
  const data = new Uint8Array(width * height * channels);
  const at = new Float64Array(2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      const inside = inverse(x + 0.5, y + 0.5, at);
      const sx = at[0]! - 0.5;
      const sy = at[1]! - 0.5;
      if (!inside || sx < 0 || sy < 0 || sx > sw - 1 || sy > sh - 1) {
        const bg = background(x, y);
        for (let c = 0; c < channels; c++) data[o + c] = bg[c] ?? bg[0];
        continue;
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(sw - 1, x0 + 1);
      const y1 = Math.min(sh - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < channels; c++) {
        const top = src[(y0 * sw + x0) * channels + c]! * (1 - fx) + src[(y0 * sw + x1) * channels + c]! * fx;
        const bottom = src[(y1 * sw + x0) * channels + c]! * (1 - fx) + src[(y1 * sw + x1) * channels + c]! * fx;
        data[o + c] = clamp(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { data, width, height, channels };
}

export type Point = [number, number];

/**
 * The projective map taking the four `from` corners onto the four `to` corners, as a
 * function of a point. Solves the eight linear equations of the homography.
 */
export function homography(from: Point[], to: Point[]): (x: number, y: number, out: Float64Array) => boolean {
  const rows: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    rows.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    rows.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  // Gaussian elimination with partial pivoting on the 8×9 augmented matrix.
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(rows[r]![col]!) > Math.abs(rows[pivot]![col]!)) pivot = r;
    [rows[col], rows[pivot]] = [rows[pivot]!, rows[col]!];
    const p = rows[col]!;
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const row = rows[r]!;
      const f = row[col]! / p[col]!;
      for (let k = col; k < 9; k++) row[k]! -= f * p[k]!;
    }
  }
  const h = rows.map((row, i) => row[8]! / row[i]!);
  const [a, b, c, d, e, f, g, k] = h as [number, number, number, number, number, number, number, number];
  return (x, y, out) => {
    const w = g * x + k * y + 1;
    out[0] = (a * x + b * y + c) / w;
    out[1] = (d * x + e * y + f) / w;
    return w > 0;
  };
}

/** Smooth 2-D value noise in [0, 1], with features about `scale` pixels across. */
export function valueNoise(seed: number, scale: number): (x: number, y: number) => number {
  const lattice = (ix: number, iy: number) => {
    let h = Math.imul(ix, 374761393) ^ Math.imul(iy, 668265263) ^ Math.imul(seed, 2246822519);
    h = Math.imul(h ^ (h >>> 13), 1274126177);
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
  };
  const smooth = (t: number) => t * t * (3 - 2 * t);
  return (x, y) => {
    const gx = x / scale;
    const gy = y / scale;
    const ix = Math.floor(gx);
    const iy = Math.floor(gy);
    const fx = smooth(gx - ix);
    const fy = smooth(gy - iy);
    const top = lattice(ix, iy) * (1 - fx) + lattice(ix + 1, iy) * fx;
    const bottom = lattice(ix, iy + 1) * (1 - fx) + lattice(ix + 1, iy + 1) * fx;
    return top * (1 - fy) + bottom * fy;
  };
}

/** Small dark (or light) blots of 1–`size` pixels at `count` random places: dust, toner, drop-outs. */
export function specks(raster: Raster, count: number, seed: number, { size = 2, value = 0 } = {}): void {
  const next = random(seed);
  const { data, width, height, channels } = raster;
  for (let n = 0; n < count; n++) {
    const cx = Math.floor(next() * width);
    const cy = Math.floor(next() * height);
    const w = 1 + Math.floor(next() * size);
    const h = 1 + Math.floor(next() * size);
    for (let y = cy; y < Math.min(height, cy + h); y++) {
      for (let x = cx; x < Math.min(width, cx + w); x++) {
        for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = value;
      }
    }
  }
}
