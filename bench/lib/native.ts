// The native baseline: Debian's tesseract, one single-threaded process per core.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { findNativeTesseract } from '../../src/ocr/nativeEngine';
import { aptInstall } from './debian';

/** The native tesseract binary, installing Debian's package when missing and allowed. */
export function nativeTesseract(): string | null {
  const find = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v tesseract'], { encoding: 'utf8' }).trim() || null;
    } catch {
      return null;
    }
  };
  const found = find();
  if (found) return found;
  return aptInstall(['tesseract-ocr']) ? find() : null;
}

/** Languages the native binary can read, installing Debian's `tesseract-ocr-LANG` for missing `wanted`. */
export function nativeLanguages(binary: string, wanted: string[]): Set<string> {
  const list = () => findNativeTesseract(binary)?.languages ?? new Set<string>();
  const found = list();
  const missing = wanted.filter((code) => !found.has(code));
  if (missing.length === 0 || !aptInstall(missing.map((code) => `tesseract-ocr-${code}`))) return found;
  return list();
}

/** One page image file read by one single-threaded native process, in `languages`. */
export function readNative(
  binary: string,
  file: string,
  options: { languages?: string[]; tessdataDir?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const args = [
    file,
    'stdout',
    ...(options.languages ? ['-l', options.languages.join('+')] : []),
    ...(options.tessdataDir ? ['--tessdata-dir', options.tessdataDir] : []),
  ];
  return new Promise<string>((resolve, reject) => {
    const child = spawn(binary, args, {
      env: { ...process.env, OMP_THREAD_LIMIT: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
      signal: options.signal,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`tesseract exited ${code}`))));
  });
}

/**
 * A tessdata folder holding the model tesseract.js uses (from `@tesseract.js-data/eng`),
 * so the native engine can also be timed on the very same data.
 */
export async function sameDataAs(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const packaged = require.resolve('@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz');
  await writeFile(path.join(dir, 'eng.traineddata'), gunzipSync(readFileSync(packaged)));
  return dir;
}

/**
 * A folder of language data as tesseract.js loads it (`eng.traineddata.gz`), holding Debian's
 * fast model from `tessdata`, so tesseract.js can also be timed on the model native reads.
 */
export async function fastDataForTesseractjs(tessdata: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'eng.traineddata.gz'), gzipSync(readFileSync(path.join(tessdata, 'eng.traineddata'))));
  return dir;
}

/** Reads `files` with `parallel` tesseract processes; returns the texts and the wall time. */
export async function runNative(
  binary: string,
  files: string[],
  parallel: number,
  tessdataDir?: string,
): Promise<{ seconds: number; texts: string[] }> {
  const texts = new Array<string>(files.length);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < files.length) {
      const index = next++;
      texts[index] = await readNative(binary, files[index]!, { tessdataDir });
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return { seconds: (performance.now() - started) / 1000, texts };
}
