// The native engine: the system's `tesseract` binary, run the way OCRmyPDF runs it, one
// single-threaded process per page (OMP_THREAD_LIMIT=1), as many at once as the worker
// has OCR slots. The prepared PNG goes in on stdin as it is; TSV comes back on stdout and
// is parsed into the same blocks, lines and words as tesseract.js gives.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BoundingBox, OcrBlock, OcrEngine, OcrLine, PageRecognition, RecognizeOptions } from './types';

/** What is installed: the binary, its version, where its data lives and which languages it has. */
export interface NativeInstall {
  binary: string;
  version: string;
  tessdata: string;
  languages: Set<string>;
}

/** The `tesseract` on PATH (or at `binary`) and its languages; null when there is none that runs. */
export function findNativeTesseract(binary = 'tesseract'): NativeInstall | null {
  const run = (args: string[]) => execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  try {
    const version = /tesseract\s+v?(\S+)/i.exec(run(['--version']))?.[1] ?? 'unknown';
    const listed = run(['--list-langs']).split('\n');
    // The first line names the data folder: `List of available languages in "/usr/share/…/tessdata/" (5):`.
    const tessdata = /"([^"]+)"/.exec(listed[0] ?? '')?.[1]?.replace(/\/$/, '') ?? 'unknown';
    const languages = new Set(listed.slice(1).map((line) => line.trim()).filter((code) => code && code !== 'osd'));
    return { binary, version, tessdata, languages };
  } catch {
    return null;
  }
}

/** The native process ended without a reading: it crashed, was killed, or said why on stderr. */
export class NativeEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeEngineError';
  }
}

export interface NativeEngineOptions {
  install: NativeInstall;
  /** Most processes at once; each uses one core. */
  slots: number;
  /** Nice value of each process (the OCR priority, see priority.ts). */
  nice: number;
}

/** Tesseract's page segmentation modes: one uniform block of text, and sparse text in no particular order. */
const PSM_SINGLE_BLOCK = '6';
const PSM_SPARSE_TEXT = '11';

/** tesseract's TSV: level, page, block, paragraph, line, word, left, top, width, height, conf, text. */
const enum Level {
  Block = 2,
  Line = 4,
  Word = 5,
}

export class NativeTesseract implements OcrEngine {
  readonly name: string;
  private busy = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly children = new Set<ReturnType<typeof spawn>>();
  private closed = false;

  constructor(private readonly options: NativeEngineOptions) {
    this.name = `tesseract ${options.install.version} (native, ${options.install.tessdata}, LSTM)`;
  }

  /** Whether every one of `languages` is installed for this engine. */
  reads(languages: readonly string[]): boolean {
    return languages.every((code) => this.options.install.languages.has(code));
  }

  /** Native processes running now. */
  get processes(): number {
    return this.children.size;
  }

  /** Share of the slots reading a page now (0-1). */
  get busyRatio(): number {
    return this.busy / this.options.slots;
  }

  async recognize(image: Buffer, { languages, pdf, signal, onProgress, segmentation }: RecognizeOptions): Promise<PageRecognition> {
    signal?.throwIfAborted();
    await this.acquire(signal);
    let dir: string | null = null;
    try {
      if (pdf) dir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-native-'));
      const base = dir ? path.join(dir, 'page') : 'stdout';
      // LSTM only and one uniform block unless sparse text is asked for, as tesseract.js reads
      // (its API's default page segmentation; the CLI's own default is automatic): the same
      // reading of the same page.
      const psm = segmentation === 'sparse' ? PSM_SPARSE_TEXT : PSM_SINGLE_BLOCK;
      const args = ['stdin', base, '-l', languages.join('+'), '--oem', '1', '--psm', psm, 'tsv', ...(pdf ? ['pdf'] : [])];
      const stdout = await this.run(args, image, signal);
      const tsv = dir ? await readFile(`${base}.tsv`, 'utf8') : stdout;
      const recognition = fromTsv(tsv);
      onProgress?.(1);
      return { ...recognition, engine: this.name, ...(dir ? { pdf: new Uint8Array(await readFile(`${base}.pdf`)) } : {}) };
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
      this.release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const child of this.children) child.kill('SIGKILL');
  }

  private run(args: string[], input: Buffer, signal?: AbortSignal): Promise<string> {
    if (this.closed) return Promise.reject(new NativeEngineError('the native OCR engine is closed'));
    return new Promise<string>((resolve, reject) => {
      const child = spawn(this.options.install.binary, args, {
        env: { ...process.env, OMP_THREAD_LIMIT: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.children.add(child);
      try {
        if (child.pid !== undefined) os.setPriority(child.pid, this.options.nice);
      } catch {
        // Ended already, or not allowed: it runs at the worker's priority.
      }
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-2000)));
      // The process may end before reading all of stdin (a crash): that is told by its exit.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
      const onAbort = () => child.kill('SIGKILL');
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (cause) => {
        signal?.removeEventListener('abort', onAbort);
        this.children.delete(child);
        reject(new NativeEngineError(`tesseract could not be started: ${cause.message}`));
      });
      child.on('close', (code, killedBy) => {
        signal?.removeEventListener('abort', onAbort);
        this.children.delete(child);
        if (signal?.aborted) return reject(signal.reason);
        if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        const said = lastLines(err);
        reject(new NativeEngineError(`tesseract ${killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`}${said ? `: ${said}` : ''}`));
      });
    });
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.busy < this.options.slots) {
      this.busy += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(grant), 1);
        reject(signal?.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.busy += 1;
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(): void {
    this.busy -= 1;
    this.waiting.shift()?.();
  }
}

/** What tesseract said on stderr, without its resolution warnings, in one line. */
function lastLines(stderr: string): string {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/Invalid resolution|Estimating resolution/.test(line))
    .slice(-3)
    .join(' ');
}

/** tesseract's TSV as blocks of lines of words, with text and confidences as tesseract.js gives them. */
export function fromTsv(tsv: string): Omit<PageRecognition, 'engine'> {
  const blocks: OcrBlock[] = [];
  let block: OcrBlock | undefined;
  let line: OcrLine | undefined;
  for (const row of tsv.split('\n').slice(1)) {
    const cells = row.split('\t');
    if (cells.length < 12) continue;
    const level = Number(cells[0]);
    const [left, top, width, height] = cells.slice(6, 10).map(Number) as [number, number, number, number];
    const bbox: BoundingBox = { x0: left, y0: top, x1: left + width, y1: top + height };
    if (level === Level.Block) {
      block = { text: '', confidence: 0, bbox, lines: [] };
      blocks.push(block);
      line = undefined;
    } else if (level === Level.Line && block) {
      line = { text: '', confidence: 0, bbox, words: [] };
      block.lines.push(line);
    } else if (level === Level.Word && line) {
      const text = cells.slice(11).join('\t').trim();
      if (text) line.words.push({ text, confidence: round(Math.max(0, Number(cells[10]))), bbox });
    }
  }
  const kept: OcrBlock[] = [];
  for (const b of blocks) {
    b.lines = b.lines.filter((l) => l.words.length > 0);
    if (b.lines.length === 0) continue;
    for (const l of b.lines) {
      l.text = l.words.map((word) => word.text).join(' ');
      l.confidence = mean(l.words.map((word) => word.confidence));
    }
    b.text = `${b.lines.map((l) => l.text).join('\n')}\n`;
    b.confidence = mean(b.lines.flatMap((l) => l.words.map((word) => word.confidence)));
    kept.push(b);
  }
  const words = kept.flatMap((b) => b.lines.flatMap((l) => l.words));
  const text = kept.map((b) => b.text).join('\n');
  return { text, confidence: mean(words.map((word) => word.confidence)), blocks: kept };
}

const mean = (values: number[]) => (values.length ? round(values.reduce((sum, value) => sum + value, 0) / values.length) : 0);

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
