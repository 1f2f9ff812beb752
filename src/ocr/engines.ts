// Which engine reads a page: `OCR_ENGINE=auto|tesseractjs|native`. With `auto`, a page is
// read natively when the system's `tesseract` and every language the job asks for are
// installed, and by tesseract.js otherwise; the job's `result.engine` names the one used.
import type { Config } from '../config';
import { installedLanguages } from './languages';
import { findNativeTesseract, type NativeInstall, type NativeTesseract } from './nativeEngine';
import type { TesseractPool } from './tesseractPool';
import type { OcrEngine, PageRecognition, RecognizeOptions } from './types';

export type EngineSetting = Config['ocr']['engine'];

/** OCR_ENGINE=native on a machine without a runnable `tesseract`: the worker does not start. */
export class NativeEngineMissingError extends Error {
  constructor() {
    super(
      'OCR_ENGINE=native, but no runnable `tesseract` was found on PATH: install it (Debian: apt-get install tesseract-ocr tesseract-ocr-eng) or set OCR_ENGINE=auto or tesseractjs',
    );
    this.name = 'NativeEngineMissingError';
  }
}

/** The native install the setting uses: none for tesseractjs; for native, one that must exist. */
export function nativeInstallFor(setting: EngineSetting): NativeInstall | null {
  if (setting === 'tesseractjs') return null;
  const install = findNativeTesseract();
  if (!install && setting === 'native') throw new NativeEngineMissingError();
  return install;
}

/**
 * The languages a job may ask for under the setting: what the engines it may use have
 * installed (`native` names the native install; by default, the one found here, if any).
 * An API on a host without `tesseract` cannot know a native worker's languages: it accepts
 * tesseract.js's, and the worker refuses what it lacks (UNSUPPORTED_LANGUAGE).
 */
export function readableLanguages(setting: EngineSetting, native: NativeInstall | null = setting === 'tesseractjs' ? null : findNativeTesseract()): string[] {
  const js = setting === 'native' && native ? [] : installedLanguages();
  return [...new Set([...js, ...(native?.languages ?? [])])].sort();
}

/** The engines of one worker, each page handed to the one the setting picks for its languages. */
export class OcrEngines implements OcrEngine {
  constructor(
    private readonly setting: EngineSetting,
    readonly tesseractjs: TesseractPool,
    readonly native: NativeTesseract | null,
  ) {}

  /** The engine that reads pages in `languages`. */
  engineFor(languages: readonly string[]): TesseractPool | NativeTesseract {
    if (this.native && (this.setting === 'native' || this.native.reads(languages))) return this.native;
    return this.tesseractjs;
  }

  /** The name of the engine (and model) that reads pages in `languages`. */
  engineName(languages: readonly string[]): string {
    return this.engineFor(languages).name;
  }

  recognize(image: Buffer, options: RecognizeOptions): Promise<PageRecognition> {
    return this.engineFor(options.languages).recognize(image, options);
  }

  /** Share of the worker's OCR slots reading a page now (0-1). */
  get busyRatio(): number {
    return Math.min(1, this.tesseractjs.busyRatio + (this.native?.busyRatio ?? 0));
  }

  async close(): Promise<void> {
    await Promise.all([this.tesseractjs.close(), this.native?.close()]);
  }
}
