import sharp from 'sharp';
import { asDecodeError } from './decodeError';
import { imageOnlyPdf } from './pdf';
import { LibvipsThreads } from './priority';
import { decodeImage, type DecodedImage } from './decodeImage';
import type { PageGeometry } from '../shared/steps';
import { median, type Grey } from './imaging';
import type { AnalysisPool } from './analysisPool';
import { FIRST_LOOK_SIDE, type FirstLook } from './firstLook';
import type { AnalysisResult } from './pageAnalysis';
import type { OrientationDetector } from './orientation';
import { withLargeLines, type LargeLine } from './largeType';
import { readingOrder } from './readingOrder';
import { OCR_ENGINE } from './engine';
import { inStage, StageClock } from '../tracing/stages';
import { loadBytes, type DocumentBytes, type Rasterizer } from './rasterizer';
import type { TextLayer } from './rasterProtocol';
import { betterOpinion, cutsHoldWords, doubtfulWords, MOST_DOUBTS, opinions, stackCuts, withWords } from './secondOpinion';
import type { BoundingBox, OcrEngine, OcrWord, PageRecognition, RecognizeOptions } from './types';
import { meanConfidence, pageWords } from './words';
import type { PageLayout, PageReadingSource } from '../shared/jobs';
import type { PageAnalysis } from '../shared/steps';

export type { PageAnalysis };

/** Formats MuPDF renders for us; sharp decodes the rest. */
const RASTERIZED = new Set(['application/pdf', 'image/bmp']);
/** Formats whose extra frames are animation, not pages. */
const SINGLE_PAGE = new Set(['image/gif', 'image/webp']);

/** Pages whose letters are smaller than this (median letter height, px) are scaled up to it. */
const SMALLEST_CHARACTER_PX = 16;
/**
 * Pages whose letters are larger than this are scaled down to it: Tesseract reads them as
 * well and its layout analysis, which grows with the pixel count, finishes sooner.
 */
const LARGEST_CHARACTER_PX = 22;
const MAX_SCALE = 4;
/**
 * A page whose letters would be scaled up this much or more, and that has at most
 * EARLY_SCALE_MAX_PIXELS, is scaled up before it is analysed rather than after.
 */
const EARLY_SCALE = 1.5;
const EARLY_SCALE_MAX_PIXELS = 4_000_000;
/** Scaling down stops where the small print (a page's 20th-percentile letter) would fall below this. */
const SMALL_PRINT_PX = 12;
/** Fewer letters than this leave orientation to OSD, or to the upright default. */
const MIN_LETTERS_FOR_ORIENTATION = 40;
/** Skew below this many degrees is left alone; lines are levelled up to 45 degrees either way. */
const MIN_SKEW = 0.3;

/** The steps of the pipeline, each of which the evaluation can switch off to measure it. */
export const PIPELINE_STEPS = ['firstLook', 'perspective', 'dewarp', 'unrule', 'invert', 'contrast', 'despeckle', 'orientation', 'deskew', 'scale', 'readingOrder', 'largeType', 'secondOpinion', 'guard'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

export interface PipelineDeps {
  ocr: OcrEngine;
  /** Worker threads for the pixel work of preparing pages. */
  analysis: AnalysisPool;
  rasterizer: Rasterizer;
  orientation?: OrientationDetector;
  maxPixels: number;
  /** Steps to leave out (for measuring what each contributes). */
  skip?: ReadonlySet<PipelineStep>;
}

export interface PreparedPage {
  png: Buffer;
  width: number;
  height: number;
  analysis: PageAnalysis;
  /** How the page was turned and scaled: maps what is found back onto the submitted page. */
  geometry: PageGeometry;
  /** Resolution a PDF page was rendered at; null for images. */
  dpi: number | null;
}

/** The page as decoded, for a plain reading beside the prepared one: grey pixels, `geometry.width` × `geometry.height`. */
export interface PlainCopy {
  grey: Grey;
  geometry: PageGeometry;
}

/** A page's text, and which image it was read from: the prepared page or the plain copy. */
export interface PageReading extends PageRecognition {
  layout: PageLayout;
  reading: PageReadingSource;
  /** Maps the reading's boxes onto the submitted page. */
  geometry: PageGeometry;
}

/** Words read with at least this confidence count towards a reading's score. */
const CONFIDENT_WORD = 50;
/** A prepared reading below this mean confidence, or with fewer words, is checked against a plain one. */
const WEAK_CONFIDENCE = 80;
const FEW_WORDS = 5;
/** The plain reading replaces the prepared one only when it scores this much better. */
const PLAIN_MARGIN = 1.15;
/** The plain copy's longest side, in pixels: enough to read, cheap to recognise. */
const PLAIN_MAX_SIDE = 2400;

function weakReading(recognition: PageRecognition): boolean {
  return recognition.confidence < WEAK_CONFIDENCE || pageWords(recognition).length < FEW_WORDS;
}

/** Characters read with confidence, weighted by it. */
function readingScore(recognition: PageRecognition): number {
  return pageWords(recognition)
    .filter((word) => word.confidence >= CONFIDENT_WORD)
    .reduce((sum, word) => sum + (word.text.trim().length * word.confidence) / 100, 0);
}

/** Large type is read again scaled down (at least by half, at most by MAX_LARGE_TYPE_SHRINK) to about this height. */
const LARGE_TYPE_TARGET_PX = 22;
const MAX_LARGE_TYPE_SHRINK = 8;
/** A line of the second reading this many times the page's typical word height is large type. */
const LARGE_TYPE_HEIGHTS = 2.5;

/** A line read with a mean confidence below this is not text but marks taken for it (a shadow's edge, a desk's grain). */
const JUNK_LINE_CONFIDENCE = 30;

/** The recognition without its junk lines; its text rebuilt from the lines kept, if any went. */
function withoutJunkLines(recognition: PageRecognition): PageRecognition {
  let dropped = false;
  const blocks = recognition.blocks
    .map((block) => {
      const lines = block.lines.filter((line) => line.confidence >= JUNK_LINE_CONFIDENCE || !line.text.trim());
      dropped ||= lines.length < block.lines.length;
      return { ...block, lines };
    })
    .filter((block) => block.lines.length > 0);
  if (!dropped) return recognition;
  const text = blocks.map((block) => block.lines.map((line) => line.text).join('\n')).join('\n\n');
  return { ...recognition, blocks, text: text ? `${text}\n` : '', confidence: meanConfidence(pageWords({ blocks })) };
}

/** Reads documents page by page: decode, clean up for Tesseract, recognise. */
export class OcrPipeline {
  /** sharp's pixel threads, lowered to the OCR priority as they appear. */
  private readonly vips = new LibvipsThreads();

  constructor(private readonly deps: PipelineDeps) {}

  /** Whether MuPDF, not sharp, decodes documents of this type. */
  static rasterizes(mediaType: string): boolean {
    return RASTERIZED.has(mediaType);
  }

  /** A PDF page's text layer, read without rendering the page (see textLayer.ts). */
  textLayer(documentKey: string, bytes: DocumentBytes, pageIndex: number, signal?: AbortSignal): Promise<TextLayer> {
    return inStage('text_layer', { 'ocr.page': pageIndex + 1 }, () => this.deps.rasterizer.textLayer(documentKey, bytes, 'application/pdf', pageIndex, signal));
  }

  /** A PDF page as a one-page PDF of its own: the searchable PDF's page for a page read from its text layer. */
  pagePdf(documentKey: string, bytes: DocumentBytes, pageIndex: number, signal?: AbortSignal): Promise<Uint8Array> {
    return this.deps.rasterizer.pagePdf(documentKey, bytes, pageIndex, signal);
  }

  /**
   * How many pages the document has. A document that cannot be read throws a DecodeError;
   * loading its bytes or a failing decoder thread throw their own errors.
   */
  async pageCount(documentKey: string, bytes: DocumentBytes, mediaType: string, signal?: AbortSignal): Promise<number> {
    // MuPDF opens the document first: for a BMP that checks the size its header declares.
    if (RASTERIZED.has(mediaType)) return this.deps.rasterizer.pageCount(documentKey, bytes, mediaType, signal);
    if (SINGLE_PAGE.has(mediaType)) return 1;
    const data = await loadBytes(bytes);
    const metadata = await sharp(data, { limitInputPixels: false }).metadata().catch((err: unknown) => {
      throw asDecodeError(err);
    });
    return metadata.pages ?? 1;
  }

  /**
   * The page as 8-bit grey pixels, upright as its EXIF orientation says, transparency
   * flattened and pixels square. A page larger than the pixel limit is refused from its
   * header, before it is decoded.
   */
  async decodePage(
    documentKey: string,
    bytes: DocumentBytes,
    mediaType: string,
    pageIndex: number,
    signal?: AbortSignal,
  ): Promise<DecodedImage & { dpi: number | null }> {
    if (!RASTERIZED.has(mediaType)) {
      return { ...(await decodeImage(await loadBytes(bytes), mediaType, pageIndex, this.deps.maxPixels)), dpi: null };
    }
    const { grey, width, height, dpi: renderedDpi } = await this.deps.rasterizer.render(documentKey, bytes, mediaType, pageIndex, signal);
    const dpi = mediaType === 'application/pdf' ? Math.round(renderedDpi * 100) / 100 : null;
    return { data: grey, width, height, sourceWidth: width, sourceHeight: height, dpi };
  }

  async preparePage(
    documentKey: string,
    bytes: DocumentBytes,
    mediaType: string,
    pageIndex: number,
    signal?: AbortSignal,
  ): Promise<PreparedPage> {
    this.vips.lower();
    // Each stage is timed for the page's analysis and is a span of the job's trace.
    const clock = new StageClock({ 'ocr.page': pageIndex + 1 });
    let decoded = await this.decodePage(documentKey, bytes, mediaType, pageIndex, signal);
    clock.lap('decode', { 'ocr.media_type': mediaType, 'ocr.image.width': decoded.sourceWidth, 'ocr.image.height': decoded.sourceHeight });
    if (this.runs('firstLook')) {
      const look = await this.firstLook(decoded, signal);
      decoded = { ...decoded, data: look.page.data };
      clock.lap('first_look', { 'ocr.first_look': look.clean ? 'clean' : look.reason });
      if (look.clean) return this.lightlyPrepared(decoded, look, clock);
    }
    const analyse = async (page: typeof decoded) =>
      this.deps.analysis.analyse(
        {
          grey: page,
          // The contrast is measured on a smoothed copy, which grain cannot fool.
          smooth: await blurred(page, 1),
          perspective: this.runs('perspective'),
          dewarp: this.runs('dewarp'),
          unrule: this.runs('unrule'),
          invert: this.runs('invert'),
          contrast: this.runs('contrast'),
          despeckle: this.runs('despeckle'),
        },
        signal,
      );
    // A small page is kept aside: if its letters turn out small, it is analysed again scaled up.
    const kept = this.runs('scale') && decoded.width * decoded.height <= EARLY_SCALE_MAX_PIXELS ? Uint8Array.from(decoded.data) : null;
    let found = await analyse(decoded);
    const early = kept && found.characterPx ? Math.min(MAX_SCALE, SMALLEST_CHARACTER_PX / found.characterPx) : 1;
    if (kept && early >= EARLY_SCALE) {
      // Small anti-aliased letters (a screenshot's) keep their strokes when the page is
      // scaled up before its contrast is stretched and its dark areas are turned.
      const width = Math.round(decoded.width * early);
      const { data, info } = await sharp(kept, { raw: { width: decoded.width, height: decoded.height, channels: 1 } })
        .resize({ width, kernel: 'lanczos3' })
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      decoded = { ...decoded, data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
      found = await analyse(decoded);
    }
    const { grey, inverted, characterPx } = found;
    const { width, height } = grey;
    const analysed = clock.lap('analyse', {
      'ocr.blank': found.blank,
      'ocr.inverted': inverted,
      'ocr.character_px': characterPx ?? 0,
      'ocr.perspective': found.perspective !== null,
      'ocr.dewarped': found.bend !== null,
      'ocr.unruled': found.unruled,
    });
    // The analysis thread timed its own stages; they end where the analysis ended.
    const partsMs = found.stagesMs.reduce((sum, [, ms]) => sum + ms, 0);
    StageClock.parts(analysed, clock.stageStart - partsMs, found.stagesMs);

    const { orientation, orientationBy } =
      this.runs('orientation') && !found.blank ? await this.orientationOf(found) : { orientation: 0, orientationBy: 'none' as const };
    const lines = orientation % 180 === 90 ? found.down : found.across;
    const skew = lines.slope;
    clock.lap('orientation', { 'ocr.orientation': orientation, 'ocr.orientation_by': orientationBy });

    // Letters are measured across their lines, once the lines' direction is known.
    const letterPx = lines.letterPx;
    const scale = this.runs('scale') ? scaleFor(letterPx, lines.smallLetterPx) : 1;
    // A slope is only trusted from a page with enough letters to measure it.
    const deskew = this.runs('deskew') && characterPx !== null && Math.abs(skew) >= MIN_SKEW ? skew : 0;
    const turn = orientation - deskew;
    let image = sharp(grey.data, { raw: { width, height, channels: 1 } });
    let [turnedWidth, turnedHeight] = [width, height];
    if (turn % 360 !== 0) {
      const turned = await image
        .rotate(turn, { background: { r: 255, g: 255, b: 255 } })
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      [turnedWidth, turnedHeight] = [turned.info.width, turned.info.height];
      image = sharp(turned.data, { raw: { width: turnedWidth, height: turnedHeight, channels: 1 } });
    }
    clock.lap('deskew', { 'ocr.skew': deskew, 'ocr.rotation': turn });
    const { png, info } = await forEngine(image, turnedWidth, scale, clock);
    return {
      png,
      width: info.width,
      height: info.height,
      geometry: {
        sourceWidth: decoded.sourceWidth,
        sourceHeight: decoded.sourceHeight,
        squareWidth: decoded.width,
        squareHeight: decoded.height,
        ...(found.perspective ? { perspective: found.perspective, flatWidth: width, flatHeight: height } : {}),
        ...(found.bend ? { bend: found.bend.lines } : {}),
        rotation: turn,
        turnedWidth,
        turnedHeight,
        width: info.width,
        height: info.height,
      },
      dpi: decoded.dpi,
      analysis: {
        orientation,
        orientationBy,
        skew: deskew,
        inverted,
        invertedAreas: found.invertedAreas,
        smoothed: found.smoothed,
        unruled: found.unruled,
        ...(found.largeTypePx ? { largeTypePx: Math.round(found.largeTypePx * scale) } : {}),
        blank: found.blank,
        characterPx: letterPx,
        scale: Math.round(scale * 100) / 100,
        preparation: 'full',
        timingsMs: clock.timingsMs,
      },
    };
  }

  /** Whether `step` is run (not left out to measure what it contributes). */
  private runs(step: PipelineStep): boolean {
    return !this.deps.skip?.has(step);
  }

  /**
   * A first look at the page: on a small copy for its layout, on its own pixels for its
   * levels and specks. The page's pixels come back in the answer.
   */
  private async firstLook(page: DecodedImage, signal?: AbortSignal): Promise<FirstLook> {
    const factor = Math.min(1, FIRST_LOOK_SIDE / Math.max(page.width, page.height));
    const { data, info } = await sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } })
      .resize({ width: Math.max(1, Math.round(page.width * factor)), height: Math.max(1, Math.round(page.height * factor)), fit: 'fill' })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const small = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
    return this.deps.analysis.look({ page: { data: page.data, width: page.width, height: page.height }, small }, signal);
  }

  /**
   * A page the first look found clean (upright, level, even paper, no specks, shapes or
   * large type): its levels stretched as the contrast step would stretch them and its
   * letters scaled, and nothing else.
   */
  private async lightlyPrepared(decoded: DecodedImage & { dpi: number | null }, look: FirstLook, clock: StageClock): Promise<PreparedPage> {
    const { width, height } = decoded;
    const scale = this.runs('scale') ? scaleFor(look.letterPx, look.smallLetterPx) : 1;
    let image = sharp(decoded.data, { raw: { width, height, channels: 1 } });
    if (this.runs('contrast')) {
      const gain = 255 / (look.white - look.black);
      image = image.linear(gain, -look.black * gain);
    }
    const { png, info } = await forEngine(image, width, scale, clock);
    const letterPx = look.letterPx === null ? null : Math.round(look.letterPx);
    return {
      png,
      width: info.width,
      height: info.height,
      geometry: {
        sourceWidth: decoded.sourceWidth,
        sourceHeight: decoded.sourceHeight,
        squareWidth: width,
        squareHeight: height,
        rotation: 0,
        turnedWidth: width,
        turnedHeight: height,
        width: info.width,
        height: info.height,
      },
      dpi: decoded.dpi,
      analysis: {
        orientation: 0,
        orientationBy: 'lines',
        skew: 0,
        inverted: false,
        invertedAreas: 0,
        smoothed: false,
        unruled: false,
        blank: false,
        characterPx: letterPx,
        scale: Math.round(scale * 100) / 100,
        preparation: 'light',
        timingsMs: clock.timingsMs,
      },
    };
  }

  /**
   * Reads a prepared page, never worse than plain reading. The page as decoded
   * (`plainCopy`, scaled down only, nothing else done to it) is asked for a second opinion
   * on the words that the reading of a fully prepared page doubts, when the page reads well
   * otherwise; when the reading is weak (low confidence, few words), the plain copy is read
   * whole too, and the better reading is kept. The reading says which it is and carries the
   * geometry its boxes are on.
   */
  async readPage(
    prepared: Pick<PreparedPage, 'png' | 'geometry'> & { analysis?: Pick<PageAnalysis, 'blank' | 'largeTypePx' | 'preparation'> },
    plainCopy: (() => Promise<PlainCopy>) | null,
    options: RecognizeOptions,
  ): Promise<PageReading> {
    if (prepared.analysis?.blank) {
      // Nothing to read: empty text without the engine (and the page's image as its PDF page).
      const empty = { text: '', confidence: 0, blocks: [], layout: 'flow' as const, reading: 'prepared' as const, geometry: prepared.geometry };
      return options.pdf ? { ...empty, pdf: await imageOnlyPdf(prepared.png, prepared.geometry.width, prepared.geometry.height) } : empty;
    }
    // The plain copy is made once, for whichever of the second opinion and the guard asks first.
    let copy: Promise<PlainCopy> | null = null;
    const plain = plainCopy && (() => (copy ??= plainCopy()));
    let read = await this.engineReading(prepared.png, options);
    // A page the first look found clean was only scaled: the page as decoded would say the same.
    const fullyPrepared = prepared.analysis?.preparation !== 'light';
    if (plain && fullyPrepared && this.runs('secondOpinion') && !weakReading(read)) read = await this.withSecondOpinion(read, prepared.geometry, plain, options);
    let ours = this.ordered(read, options);
    const largeTypePx = prepared.analysis?.largeTypePx;
    if (largeTypePx && this.runs('largeType')) ours = await this.withLargeType(ours, prepared.png, largeTypePx, options);
    if (!plain || !this.runs('guard') || !weakReading(ours)) {
      return { ...ours, reading: 'prepared', geometry: prepared.geometry };
    }
    const { grey, geometry } = await plain();
    const plainReading = await this.recognizePage(await greyPng(grey), options);
    return readingScore(plainReading) > PLAIN_MARGIN * readingScore(ours)
      ? { ...plainReading, reading: 'plain', geometry }
      : { ...ours, reading: 'prepared', geometry: prepared.geometry };
  }

  /**
   * The reading with a second opinion on its doubtful words (see secondOpinion.ts), taken
   * from the plain copy: only where the page was not turned, and only for a few words.
   */
  private async withSecondOpinion(
    read: PageRecognition,
    geometry: PageGeometry,
    plainCopy: () => Promise<PlainCopy>,
    options: RecognizeOptions,
  ): Promise<PageRecognition> {
    const doubtful = doubtfulWords(read);
    if (doubtful.length === 0 || doubtful.length > MOST_DOUBTS || !cutsHoldWords(geometry)) return read;
    const attributes = { 'ocr.doubtful_words': doubtful.length, ...(options.page === undefined ? {} : { 'ocr.page': options.page }) };
    return inStage('second_opinion', attributes, async (span) => {
      const copy = await plainCopy();
      const cuts = stackCuts(doubtful, geometry, copy.grey, copy.geometry);
      const strip = await greyPng(cuts.strip);
      const second = await this.deps.ocr.recognize(strip, { languages: options.languages, ...(options.signal ? { signal: options.signal } : {}) });
      const found = opinions(second, cuts);
      const replaced = new Map<OcrWord, OcrWord>();
      doubtful.forEach(({ word }, i) => {
        const opinion = found[i] ?? null;
        if (betterOpinion(word, opinion)) replaced.set(word, opinion);
      });
      span.setAttribute('ocr.second_opinions', replaced.size);
      return withWords(read, replaced);
    });
  }

  /**
   * Adds the large type Tesseract passed over (a headline several times the body's size can
   * be taken for a picture): the page is read again, scaled so the large type is about
   * LARGE_TYPE_TARGET_PX high, once as a block and once as sparse text (which finds a line
   * a block loses, such as a headline's first line set tight over its second). Lines of
   * these readings that are large against the page's words and read with confidence are
   * taken into the reading by withLargeLines (largeType.ts).
   */
  private async withLargeType(
    ours: PageRecognition & { layout: PageLayout },
    png: Buffer,
    largeTypePx: number,
    options: RecognizeOptions,
  ): Promise<PageRecognition & { layout: PageLayout }> {
    const { width = 1, height = 1 } = await sharp(png).metadata();
    const shrink = Math.min(MAX_LARGE_TYPE_SHRINK, Math.max(2, largeTypePx / LARGE_TYPE_TARGET_PX));
    const { data: small, info } = await sharp(png)
      .resize({ width: Math.max(1, Math.round(width / shrink)) })
      .png()
      .toBuffer({ resolveWithObject: true });
    const factor = width / info.width;
    const typical = median(pageWords(ours).map((word) => word.bbox.y1 - word.bbox.y0)) || height;
    const grown = (box: BoundingBox): BoundingBox => ({
      x0: Math.round(box.x0 * factor),
      y0: Math.round(box.y0 * factor),
      x1: Math.round(box.x1 * factor),
      y1: Math.round(box.y1 * factor),
    });
    const largeLines = async (segmentation: 'block' | 'sparse') => {
      const extra = await this.deps.ocr.recognize(small, { languages: options.languages, segmentation, ...(options.signal ? { signal: options.signal } : {}) });
      return extra.blocks
        .flatMap((block) => block.lines)
        .map((line) => ({ ...line, bbox: grown(line.bbox), words: line.words.map((word) => ({ ...word, bbox: grown(word.bbox) })) }))
        .filter((line) => line.bbox.y1 - line.bbox.y0 >= LARGE_TYPE_HEIGHTS * typical && line.confidence >= CONFIDENT_WORD && line.text.trim());
    };
    const candidates: LargeLine[] = [
      ...(await largeLines('block')).map((line) => ({ line, sparse: false })),
      ...(await largeLines('sparse')).map((line) => ({ line, sparse: true })),
    ];
    return withLargeLines(ours, candidates);
  }

  /** The page as decoded and nothing more, scaled down to at most PLAIN_MAX_SIDE: the plain reading's image. */
  async plainCopy(documentKey: string, bytes: DocumentBytes, mediaType: string, pageIndex: number, signal?: AbortSignal): Promise<PlainCopy> {
    this.vips.lower();
    const decoded = await this.decodePage(documentKey, bytes, mediaType, pageIndex, signal);
    const scale = Math.min(1, PLAIN_MAX_SIDE / Math.max(decoded.width, decoded.height));
    const { data, info } = await sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 1 } })
      .resize({ width: Math.max(1, Math.round(decoded.width * scale)) })
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const geometry: PageGeometry = {
      sourceWidth: decoded.sourceWidth,
      sourceHeight: decoded.sourceHeight,
      squareWidth: decoded.width,
      squareHeight: decoded.height,
      rotation: 0,
      turnedWidth: decoded.width,
      turnedHeight: decoded.height,
      width: info.width,
      height: info.height,
    };
    return { grey: { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height }, geometry };
  }

  /** A page's reading: the engine's, without junk lines, in reading order. */
  async recognizePage(png: Buffer, options: RecognizeOptions): Promise<PageRecognition & { layout: PageLayout }> {
    return this.ordered(await this.engineReading(png, options), options);
  }

  /** What the engine reads on the page, without junk lines, in the engine's order. */
  private engineReading(png: Buffer, options: RecognizeOptions): Promise<PageRecognition> {
    const attributes = {
      'ocr.languages': options.languages.join('+'),
      'ocr.engine': OCR_ENGINE,
      ...(options.page === undefined ? {} : { 'ocr.page': options.page }),
      ...pngSize(png),
    };
    return inStage('recognize', attributes, async (span) => {
      const read = withoutJunkLines(await this.deps.ocr.recognize(png, options));
      span.setAttributes({ 'ocr.confidence': read.confidence, 'ocr.characters': read.text.length, 'ocr.engine': read.engine ?? OCR_ENGINE });
      return read;
    });
  }

  /** The reading's text in reading order (see readingOrder.ts), and the layout found. */
  private ordered(recognition: PageRecognition, options: RecognizeOptions): PageRecognition & { layout: PageLayout } {
    if (!this.runs('readingOrder')) return { ...recognition, layout: 'flow' };
    const clock = new StageClock(options.page === undefined ? {} : { 'ocr.page': options.page });
    const { text, layout } = readingOrder(recognition.blocks, recognition.text);
    clock.lap('reading_order', { 'ocr.layout': layout, 'ocr.blocks': recognition.blocks.length });
    return { ...recognition, text, layout };
  }

  async close(): Promise<void> {
    await this.deps.orientation?.close();
    await this.deps.analysis.close();
  }

  /**
   * Which way is up. Letters' nearest neighbours lie along the lines (telling a page on its
   * side from an upright one); ascenders rising over descenders tell upright from upside
   * down. Where either signal is weak, Tesseract's OSD decides; without clear evidence the
   * page is taken as upright.
   */
  private async orientationOf(
    found: AnalysisResult,
  ): Promise<{ orientation: number; orientationBy: PageAnalysis['orientationBy'] }> {
    const sideways = found.neighbours < 1;
    const rise = (sideways ? found.down : found.across).rise;
    // A few words are too little to tell direction or rise by.
    const enough = found.letterCount >= MIN_LETTERS_FOR_ORIENTATION;
    const clearDirection = enough && Math.max(found.neighbours, 1 / found.neighbours) > 1.3;
    const clearRise = enough && (rise > 1.3 || rise < 1 / 1.3);
    if (clearDirection && clearRise) return { orientation: (sideways ? 90 : 0) + (rise < 1 ? 180 : 0), orientationBy: 'lines' };
    const detected = this.deps.orientation ? await this.deps.orientation.detect(found.grey) : null;
    if (detected !== null) return { orientation: detected, orientationBy: 'osd' };
    return { orientation: clearDirection && sideways ? 90 : 0, orientationBy: 'none' };
  }
}


/** A PNG's pixel size, from its header, as span attributes; nothing for anything else. */
function pngSize(png: Buffer): Record<string, number> {
  const isPng = png.length >= 24 && png.readUInt32BE(0) === 0x89504e47 && png.toString('latin1', 12, 16) === 'IHDR';
  return isPng ? { 'ocr.image.width': png.readUInt32BE(16), 'ocr.image.height': png.readUInt32BE(20) } : {};
}

/** A grey page as a PNG (fast compression), as the engines read it. */
function greyPng({ data, width, height }: Grey): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels: 1 } }).png({ compressionLevel: 1 }).toBuffer();
}

/**
 * Scale only letters Tesseract reads badly: too small to resolve, or so large it is slow.
 * A page is scaled down only as far as keeps its small print (where it also has large
 * type) readable.
 */
function scaleFor(letterPx: number | null, smallLetterPx: number | null): number {
  if (!letterPx) return 1;
  if (letterPx < SMALLEST_CHARACTER_PX) return Math.min(MAX_SCALE, SMALLEST_CHARACTER_PX / letterPx);
  if (letterPx <= LARGEST_CHARACTER_PX) return 1;
  const down = LARGEST_CHARACTER_PX / letterPx;
  return smallLetterPx ? Math.min(1, Math.max(down, SMALL_PRINT_PX / smallLetterPx)) : down;
}

/** The prepared page for the engine: scaled from `width` by `scale`, as a grey PNG (fast compression); its `scale` stage timed. */
async function forEngine(image: sharp.Sharp, width: number, scale: number, clock: StageClock): Promise<{ png: Buffer; info: sharp.OutputInfo }> {
  const resized = scale === 1 ? image : image.resize({ width: Math.round(width * scale), kernel: 'lanczos3' });
  const { data: png, info } = await resized.greyscale().png({ compressionLevel: 1 }).withMetadata({ density: 300 }).toBuffer({ resolveWithObject: true });
  clock.lap('scale', { 'ocr.scale': scale, 'ocr.image.width': info.width, 'ocr.image.height': info.height });
  return { png, info };
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
