import type { Logger } from 'pino';
import sharp from 'sharp';
import {
  binarize,
  characterSize,
  components,
  invert,
  isDarkPage,
  letterHeight,
  inkPoints,
  levelLines,
  neighbourDirection,
  normalizeContrast,
  rowProfile,
  turnQuarter,
  uprightness,
  type Component,
  type Grey,
} from './imaging';
import type { OrientationDetector } from './orientation';
import { readingOrder, type Layout } from './readingOrder';
import type { DocumentBytes, Rasterizer } from './rasterizer';
import type { OcrEngine, PageRecognition, RecognizeOptions } from './types';
import type { PageAnalysis } from '../shared/steps';

export type { PageAnalysis };

/** Formats MuPDF renders for us; sharp decodes the rest. */
const RASTERIZED = new Set(['application/pdf', 'image/bmp']);
/** Formats whose extra frames are animation, not pages. */
const SINGLE_PAGE = new Set(['image/gif', 'image/webp', 'image/bmp']);

/** Pages whose letters are smaller than this (median letter height, px) are scaled up to it. */
const SMALLEST_CHARACTER_PX = Number(process.env.OCR_MIN_CHAR_PX ?? 16);
/** Pages whose letters are larger than this are scaled down to it. */
const LARGEST_CHARACTER_PX = Number(process.env.OCR_MAX_CHAR_PX ?? 40);
const MAX_SCALE = 4;
/** Fewer letters than this leave orientation to OSD, or to the upright default. */
const MIN_LETTERS_FOR_ORIENTATION = 40;
/** Skew below this many degrees is left alone. */
const MIN_SKEW = 0.3;

/** The steps of the pipeline, each of which the evaluation can switch off to measure it. */
export const PIPELINE_STEPS = ['invert', 'contrast', 'despeckle', 'orientation', 'deskew', 'scale', 'readingOrder'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

export interface PipelineDeps {
  ocr: OcrEngine;
  rasterizer: Rasterizer;
  orientation?: OrientationDetector;
  maxPixels: number;
  logger: Logger;
  /** Steps to leave out (for measuring what each contributes). */
  skip?: ReadonlySet<PipelineStep>;
}

export interface PreparedPage {
  png: Buffer;
  width: number;
  height: number;
  analysis: PageAnalysis;
}

/** Reads documents page by page: decode, clean up for Tesseract, recognise. */
export class OcrPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /** Media types this pipeline reads. */
  static readonly MEDIA_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/tiff', 'image/bmp', 'application/pdf'];

  async pageCount(documentKey: string, bytes: DocumentBytes, mediaType: string): Promise<number> {
    if (SINGLE_PAGE.has(mediaType)) return 1;
    if (RASTERIZED.has(mediaType)) return this.deps.rasterizer.pageCount(documentKey, bytes, mediaType);
    return (await sharp(await loadBytes(bytes), { limitInputPixels: false }).metadata()).pages ?? 1;
  }

  /** The page as 8-bit grey pixels, upright as its EXIF orientation says. */
  async decodePage(documentKey: string, bytes: DocumentBytes, mediaType: string, pageIndex: number): Promise<Grey> {
    const decoded = RASTERIZED.has(mediaType)
      ? sharp((await this.deps.rasterizer.render(documentKey, bytes, mediaType, pageIndex)).png)
      : sharp(await loadBytes(bytes), { page: pageIndex, limitInputPixels: this.deps.maxPixels, failOn: 'error' }).rotate();
    const { data, info } = await decoded.greyscale().raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  }

  async preparePage(documentKey: string, bytes: DocumentBytes, mediaType: string, pageIndex: number): Promise<PreparedPage> {
    const timingsMs: Record<string, number> = {};
    const lap = (() => {
      let last = performance.now();
      return (name: string) => {
        const now = performance.now();
        timingsMs[name] = Math.round(now - last);
        last = now;
      };
    })();

    const decoded = await this.decodePage(documentKey, bytes, mediaType, pageIndex);
    lap('decode');
    const on = (step: PipelineStep) => !this.deps.skip?.has(step);
    const inverted = on('invert') && isDarkPage(decoded);
    if (inverted) invert(decoded);
    // The contrast is measured on a smoothed copy, which grain cannot fool.
    const smooth = await blurred(decoded, 1);
    const grey = decoded;
    if (on('contrast')) normalizeContrast(grey, smooth);
    lap('contrast');

    const { width, height } = grey;
    const mask = binarize(grey);
    const { labels, list } = components(mask, width, height);
    const characterPx = characterSize(list, width, height);
    // Dust and noise: specks far smaller than a letter's dot, and dot-sized specks with no
    // letter near them (a full stop or an i's dot always has one). Painted paper-white.
    const keep = on('despeckle') ? dustFilter(list, characterPx) : new Uint8Array(list.length + 1).fill(1);
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
    lap('analyse');

    const letterList = list.filter((_, k) => letters[k + 1] && keep[k + 1]);
    const { orientation, orientationBy, skew } = on('orientation')
      ? await this.orientationOf(grey, letterMask, letterList)
      : { orientation: 0, orientationBy: 'none' as const, skew: 0 };
    lap('orientation');

    // Letters are measured across their lines, once the lines' direction is known.
    const letterPx = letterHeight(list, orientation % 180 === 90, Math.min(width, height)) ?? characterPx;
    const scale = on('scale') ? scaleFor(letterPx) : 1;
    // A slope is only trusted from a page with enough letters to measure it.
    const deskew = on('deskew') && characterPx !== null && Math.abs(skew) >= MIN_SKEW ? skew : 0;
    const turn = orientation - deskew;
    let image = sharp(grey.data, { raw: { width, height, channels: 1 } });
    if (turn % 360 !== 0) {
      const turned = await image
        .rotate(turn, { background: { r: 255, g: 255, b: 255 } })
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      image = sharp(turned.data, { raw: { width: turned.info.width, height: turned.info.height, channels: 1 } });
      if (scale !== 1) image = image.resize({ width: Math.round(turned.info.width * scale), kernel: 'lanczos3' });
    } else if (scale !== 1) {
      image = image.resize({ width: Math.round(width * scale), kernel: 'lanczos3' });
    }
    const { data: png, info } = await image
      .greyscale()
      .png({ compressionLevel: 1 })
      .withMetadata({ density: 300 })
      .toBuffer({ resolveWithObject: true });
    lap('encode');
    return {
      png,
      width: info.width,
      height: info.height,
      analysis: {
        orientation,
        orientationBy,
        skew: deskew,
        inverted,
        characterPx: letterPx,
        scale: Math.round(scale * 100) / 100,
        timingsMs,
      },
    };
  }

  /** Recognises a prepared page; its text comes in reading order, with the layout found. */
  async recognizePage(png: Buffer, options: RecognizeOptions): Promise<PageRecognition & { layout: Layout }> {
    const recognition = await this.deps.ocr.recognize(png, options);
    if (this.deps.skip?.has('readingOrder')) return { ...recognition, layout: 'flow' };
    const { text, layout } = readingOrder(recognition.blocks, recognition.text);
    return { ...recognition, text, layout };
  }

  async close(): Promise<void> {
    await this.deps.orientation?.close();
  }

  /**
   * Which way is up, and how far the lines slope. Letters' nearest neighbours lie along the
   * lines (telling a page on its side from an upright one); ascenders rising over descenders
   * tell upright from upside down. Where either signal is weak, Tesseract's OSD decides.
   */
  private async orientationOf(
    grey: Grey,
    letterMask: Uint8Array,
    letterList: Component[],
  ): Promise<{ orientation: number; orientationBy: PageAnalysis['orientationBy']; skew: number }> {
    const { width, height } = grey;
    const points = inkPoints(letterMask, width, height);
    const across = levelLines(points, height);
    const sidewaysPoints = turnQuarter(points, height);
    const down = levelLines(sidewaysPoints, width);
    const neighbours = neighbourDirection(letterList);
    const sideways = neighbours < 1;
    const level = sideways ? down : across;
    const rise = uprightness(rowProfile(sideways ? sidewaysPoints : points, level.slope, sideways ? width : height));
    const direction = Math.max(neighbours, 1 / neighbours);
    // A few words are too little to tell direction or rise by; OSD (or upright) decides then.
    const enough = letterList.length >= MIN_LETTERS_FOR_ORIENTATION;
    const clearDirection = enough && direction > 1.3;
    const clearRise = enough && (rise > 1.3 || rise < 1 / 1.3);
    // Without clear evidence either way, a page is taken to be upright.
    let orientation = clearDirection ? (sideways ? 90 : 0) + (clearRise && rise < 1 ? 180 : 0) : 0;
    let orientationBy: PageAnalysis['orientationBy'] = clearDirection && clearRise ? 'lines' : 'none';
    if (orientationBy === 'none' && this.deps.orientation) {
      const detected = await this.deps.orientation.detect(grey);
      if (detected !== null) {
        orientation = detected;
        orientationBy = 'osd';
      }
    }
    // The slope measured in the view the page ends up in: a half turn keeps it.
    const slope = orientation % 180 === (sideways ? 90 : 0) ? level.slope : (sideways ? across : down).slope;
    return { orientation, orientationBy, skew: slope };
  }
}


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
  list.forEach((c, k) => {
    if (c.area > dot) return;
    if (c.area <= speck) {
      keep[k + 1] = 0;
      return;
    }
    const near = (other: Component) =>
      other.x0 - reach <= c.x1 && other.x1 + reach >= c.x0 && other.y0 - reach <= c.y1 && other.y1 + reach >= c.y0;
    let found = false;
    for (let cy = Math.floor((c.y0 - reach) / cell); cy <= Math.floor((c.y1 + reach) / cell) && !found; cy++) {
      for (let cx = Math.floor((c.x0 - reach) / cell); cx <= Math.floor((c.x1 + reach) / cell) && !found; cx++) {
        found = (grid.get(key(cx, cy)) ?? []).some(near);
      }
    }
    if (!found) keep[k + 1] = 0;
  });
  return keep;
}

/** Scale only letters Tesseract reads badly: too small to resolve, or so large it is slow. */
function scaleFor(characterPx: number | null): number {
  if (!characterPx) return 1;
  if (characterPx < SMALLEST_CHARACTER_PX) return Math.min(MAX_SCALE, SMALLEST_CHARACTER_PX / characterPx);
  if (characterPx > LARGEST_CHARACTER_PX) return LARGEST_CHARACTER_PX / characterPx;
  return 1;
}

function loadBytes(bytes: DocumentBytes): Promise<Buffer> {
  return typeof bytes === 'function' ? bytes() : Promise.resolve(bytes);
}

/** A Gaussian-smoothed copy of a grey page. */
async function blurred(image: Grey, sigma: number): Promise<Grey> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } })
    .blur(sigma)
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: image.width, height: image.height };
}
