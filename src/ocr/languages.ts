import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

/** Which packaged model to use: the integer LSTM models, what tesseract.js itself picks for LSTM-only work. */
const MODEL_DIR = '4.0.0_best_int';
/** Packaged data that is not a language to read text in. */
const NOT_LANGUAGES = new Set(['osd']);

export interface LanguageData {
  code: string;
  /** Gzipped traineddata file inside its `@tesseract.js-data/*` package. */
  file: string;
}

/** Language data installed as `@tesseract.js-data/*` packages, keyed by Tesseract code. */
export function findLanguageData(): Map<string, LanguageData> {
  const scope = path.dirname(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')));
  const found = new Map<string, LanguageData>();
  for (const code of readdirSync(scope).sort()) {
    const file = path.join(scope, code, MODEL_DIR, `${code}.traineddata.gz`);
    if (existsSync(file)) found.set(code, { code, file });
  }
  return found;
}

/** Codes of installed languages that text can be read in (`eng`, `fra`, …). */
export function installedLanguages(): string[] {
  return [...findLanguageData().keys()].filter((code) => !NOT_LANGUAGES.has(code));
}

/**
 * tesseract.js loads every language from one `langPath`; the packages keep each in its
 * own folder. Link them all into `dir` so any combination loads from disk.
 */
export async function prepareLangPath(dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const { code, file } of findLanguageData().values()) {
    await symlink(file, path.join(dir, `${code}.traineddata.gz`));
  }
  return dir;
}
