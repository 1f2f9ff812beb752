// Decoding an image page (everything sharp reads) into the grey page the pipeline works on:
// EXIF orientation applied, transparency flattened onto the right background, and pixels
// made square where the file says they are not (faxes).
import os from 'node:os';
import sharp from 'sharp';
import { asDecodeError } from './decodeError';
import { boxAround } from './geometry';
import { components, percentile, type Component, type Grey } from './imaging';
import { tiffResolution } from './tiffResolution';

export interface DecodedImage extends Grey {
  /** The page as submitted (after EXIF orientation), before its pixels were made square. */
  sourceWidth: number;
  sourceHeight: number;
}

/** Largest page (in decoded bytes, all its channels) decoded once and kept while it is looked at: an A4 page at 300 dpi in RGBA is 35 MB. */
const DECODED_ONCE_BYTES = 64 * 1024 * 1024;

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Pixels whose sides differ by less than this are taken as square. */
const SQUARE_TOLERANCE = 0.1;

export async function decodeImage(bytes: Buffer, mediaType: string, pageIndex: number, maxPixels: number): Promise<DecodedImage> {
  const open = () => sharp(bytes, { page: pageIndex, limitInputPixels: maxPixels, failOn: 'error' });
  try {
    const { hasAlpha, channels = 1, width = 0, height = 0 } = await open().metadata();
    // A page in colour or with transparency is looked at more than once (for its background,
    // for stamps, then in grey): within DECODED_ONCE_BYTES it is decoded once, upright, and
    // every look is taken from those pixels, not from the file again.
    const decodedOnce =
      (hasAlpha || channels >= 3) && width * height * channels <= DECODED_ONCE_BYTES
        ? await open().rotate().raw().toBuffer({ resolveWithObject: true })
        : null;
    const source = decodedOnce
      ? () => sharp(decodedOnce.data, { raw: { width: decodedOnce.info.width, height: decodedOnce.info.height, channels: decodedOnce.info.channels } })
      : () => open().rotate();
    let image = source();
    const background = hasAlpha ? await backgroundForTransparency(source()) : null;
    if (hasAlpha) {
      // Alpha the same everywhere says nothing about the page: its colours are the page.
      image = background === null ? image.removeAlpha() : image.flatten({ background });
    }
    // A colour file of a grey page (an export, a scan saved as RGB) is grey already: its first
    // channel is what converting it would give, and it holds no coloured stamp.
    const grey = decodedOnce && background === null ? greyChannel(decodedOnce.data, decodedOnce.info) : null;
    const page = grey ? { data: grey, width: decodedOnce!.info.width, height: decodedOnce!.info.height } : await greyPage(image, channels >= 3 ? source : null);
    const upright: DecodedImage = { ...page, sourceWidth: page.width, sourceHeight: page.height };
    return mediaType === 'image/tiff' ? await squarePixels(upright, bytes, pageIndex) : upright;
  } catch (err) {
    throw asDecodeError(err);
  }
}

/** The image converted to grey; with `colour` (the page in colour), its coloured stamps dropped. */
async function greyPage(image: sharp.Sharp, colour: (() => sharp.Sharp) | null): Promise<Grey> {
  const { data, info } = await image.greyscale().raw().toBuffer({ resolveWithObject: true });
  // A coloured stamp over dark print: its strokes are lightened to what the print shows through.
  if (colour) await dropStamps(colour(), data, info.width, info.height);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/**
 * The first channel of decoded 8-bit pixels of three or more channels when every pixel is
 * grey (its red, green and blue the same); null as soon as one is not.
 */
function greyChannel(data: Buffer, { width, height, channels }: sharp.OutputInfo): Uint8Array | null {
  if (channels < 3 || data.length !== width * height * channels) return null;
  const grey = new Uint8Array(width * height);
  if (channels === 4 && LITTLE_ENDIAN && data.byteOffset % 4 === 0) {
    // RGBA read a pixel at a time: red in the low byte, green and blue the next two.
    const pixels = new Uint32Array(data.buffer, data.byteOffset, grey.length);
    for (let i = 0; i < grey.length; i++) {
      const pixel = pixels[i]!;
      if (((pixel ^ (pixel >>> 8)) & 0xffff) !== 0) return null;
      grey[i] = pixel & 0xff;
    }
    return grey;
  }
  for (let i = 0, p = 0; i < grey.length; i++, p += channels) {
    const red = data[p]!;
    if (data[p + 1] !== red || data[p + 2] !== red) return null;
    grey[i] = red;
  }
  return grey;
}

/**
 * What a transparent page is laid on. The text is in the opaque pixels (an export or a
 * screenshot whose shapes live in the alpha channel): dark text goes on white, light text on
 * black (and is turned dark on light later, like any light-on-dark page). Null when the
 * alpha channel is the same everywhere.
 */
async function backgroundForTransparency(image: sharp.Sharp): Promise<{ r: number; g: number; b: number } | null> {
  const { data, info } = await image
    .resize({ width: 512, height: 512, fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let [minAlpha, maxAlpha] = [255, 0];
  for (let i = info.channels - 1; i < data.length; i += info.channels) {
    minAlpha = Math.min(minAlpha, data[i]!);
    maxAlpha = Math.max(maxAlpha, data[i]!);
  }
  if (maxAlpha - minAlpha < 16) return null;
  let luminance = 0;
  let count = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (data[i + info.channels - 1]! < maxAlpha * 0.8) continue;
    luminance += info.channels >= 3 ? 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]! : data[i]!;
    count++;
  }
  const lightText = count > 0 && luminance / count >= 128;
  return lightText ? { r: 0, g: 0, b: 0 } : { r: 255, g: 255, b: 255 };
}

/** A stamp is looked for on a copy this many pixels on its longer side. */
const STAMP_SEARCH_SIDE = 600;
/** Saturation (max minus min channel) and brightness of a stamp's ink. */
const STAMP_SATURATION = 20;
const STAMP_BRIGHTNESS = 100;
/** Inside a stamp, a pixel darkened by at least this much, in the ink's own proportions (cosine), is thin ink. */
const THIN_INK = 12;
const INK_LIKE = 0.99;
/** Pixels a stamp's broken strokes are grown by (on the small copy) to join them. */
const STAMP_GROW = 3;

/**
 * Lightens coloured stamps (a red PAID over the totals) in `grey`, in place. A stamp is a
 * shape of coloured strokes (grown a little to join a worn stamp's pieces) whose box is at
 * least an eighth and at most 60% of the page's sides, and which covers under 60% of its
 * box: a coloured title's letters are smaller, a coloured bar or button is solid, a desk is
 * larger. Inside a stamp's box every coloured pixel becomes what the paper or print under
 * the ink shows through it (its ink's brightest channel, divided by the ink's own), so the
 * print under the stamp stays as dark as it is.
 */
async function dropStamps(image: sharp.Sharp, grey: Buffer, width: number, height: number): Promise<void> {
  const scale = Math.min(1, STAMP_SEARCH_SIDE / Math.max(width, height));
  const small = await image
    .clone()
    .resize({ width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width: sw, height: sh, channels } = small.info;
  const coloured = new Uint8Array(sw * sh);
  for (let i = 0, p = 0; i < coloured.length; i++, p += channels) coloured[i] = stampInk(small.data, p) ? 1 : 0;
  // Worn stamps print in broken strokes: grown until they join into one shape.
  const joined = grow(coloured, sw, sh, STAMP_GROW);
  const side = Math.min(sw, sh) / 8;
  const shapes = components(joined, sw, sh).list;
  const frames = shapes
    .filter((c) => {
      const w = c.x1 - c.x0 + 1;
      const h = c.y1 - c.y0 + 1;
      // A desk or a coloured page around the text is larger than any stamp.
      return w >= side && h >= side && w <= sw * 0.6 && h <= sh * 0.6 && c.area < 0.6 * w * h;
    })
    .map((frame) => withPieces(frame, shapes, sw * 0.6, sh * 0.6));
  if (frames.length === 0) return;
  const { data: rgb, info } = await image.clone().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (const frame of frames) {
    const x0 = Math.max(0, Math.floor(frame.x0 / scale));
    const x1 = Math.min(width - 1, Math.ceil((frame.x1 + 1) / scale));
    const y0 = Math.max(0, Math.floor(frame.y0 / scale));
    const y1 = Math.min(height - 1, Math.ceil((frame.y1 + 1) / scale));
    // The stamp's ink: the median colour of its coloured pixels. Printed over paper it lets
    // through most of its own brightest channel; that channel, divided by the ink's, is
    // what the paper (or the print under it) shows there.
    const histograms = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
    let count = 0;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const p = (y * width + x) * info.channels;
        if (!stampInk(rgb, p)) continue;
        for (let c = 0; c < 3; c++) histograms[c]![rgb[p + c]!]!++;
        count++;
      }
    }
    if (count === 0) continue;
    const ink = histograms.map((histogram) => percentile(histogram, count, 0.5));
    const channel = ink.indexOf(Math.max(...ink));
    const through = Math.max(1, ink[channel]!);
    // Where the stamp's ink is thin (the edges of its strokes, a worn patch) it is too pale to
    // count as coloured, but what it takes from the paper is still the ink's colour, weaker.
    const taken = ink.map((value) => 255 - value);
    const takenLength = Math.hypot(...taken);
    const thinInk = (p: number) => {
      const lost = [255 - rgb[p]!, 255 - rgb[p + 1]!, 255 - rgb[p + 2]!];
      const length = Math.hypot(...lost);
      if (length < THIN_INK || takenLength === 0) return false;
      return (lost[0]! * taken[0]! + lost[1]! * taken[1]! + lost[2]! * taken[2]!) / (length * takenLength) >= INK_LIKE;
    };
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * width + x;
        const p = i * info.channels;
        if (stampInk(rgb, p) || thinInk(p)) grey[i] = Math.max(grey[i]!, Math.min(255, Math.round((rgb[p + channel]! * 255) / through)));
      }
    }
  }
}

/**
 * A stamp's box grown over the pieces of it that did not join its main shape (where its ink
 * wore thin): every smaller coloured shape its box overlaps, until no more do, as long as
 * the box stays a stamp's size.
 */
function withPieces(frame: Component, shapes: Component[], maxWidth: number, maxHeight: number): Component {
  const box = { ...frame };
  for (let grown = true; grown; ) {
    grown = false;
    for (const shape of shapes) {
      if (shape.area * 2 > frame.area) continue;
      const overlaps = shape.x0 <= box.x1 && shape.x1 >= box.x0 && shape.y0 <= box.y1 && shape.y1 >= box.y0;
      if (!overlaps || (shape.x0 >= box.x0 && shape.x1 <= box.x1 && shape.y0 >= box.y0 && shape.y1 <= box.y1)) continue;
      const next = boxAround([box, shape]);
      if (next.x1 - next.x0 + 1 > maxWidth || next.y1 - next.y0 + 1 > maxHeight) continue;
      Object.assign(box, next);
      grown = true;
    }
  }
  return box;
}

/** Whether the RGB pixel at byte `p` has a stamp's ink: coloured enough, and not dark print. */
function stampInk(rgb: Buffer, p: number): boolean {
  const max = Math.max(rgb[p]!, rgb[p + 1]!, rgb[p + 2]!);
  return max >= STAMP_BRIGHTNESS && max - Math.min(rgb[p]!, rgb[p + 1]!, rgb[p + 2]!) >= STAMP_SATURATION;
}

/** The mask grown by `steps` pixels (a square neighbourhood). */
function grow(mask: Uint8Array, width: number, height: number, steps: number): Uint8Array {
  let current = mask;
  for (let step = 0; step < steps; step++) {
    const next = new Uint8Array(current.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!current[y * width + x]) continue;
        for (let yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
          for (let xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) next[yy * width + xx] = 1;
        }
      }
    }
    current = next;
  }
  return current;
}

/** A page whose declared resolution differs across and down (a 204 x 98 dpi fax), resampled to square pixels. */
async function squarePixels(page: DecodedImage, bytes: Buffer, pageIndex: number): Promise<DecodedImage> {
  const resolution = tiffResolution(bytes, pageIndex);
  if (!resolution || Math.abs(resolution.x / resolution.y - 1) < SQUARE_TOLERANCE) return page;
  // Stretch the coarser direction to the finer one's resolution.
  const width = Math.round(page.width * Math.max(1, resolution.y / resolution.x));
  const height = Math.round(page.height * Math.max(1, resolution.x / resolution.y));
  const { data, info } = await sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } })
    .resize({ width, height, fit: 'fill', kernel: 'cubic' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { ...page, data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
