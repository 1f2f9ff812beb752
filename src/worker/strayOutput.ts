import type { Logger } from 'pino';

/**
 * Lines the OCR engines print on their own (tesseract.js's WebAssembly core, MuPDF) that
 * carry nothing for an operator: resolution guesses, OSD giving up on a page with little
 * text. Kept at debug level only.
 */
const NOISE = [
  /^Warning[:.] Invalid resolution \d+ dpi\. Using \d+ instead\.$/,
  /^Estimating resolution as \d+$/,
  /^Too few characters\. Skipping this page$/,
  /^Detected \d+ diacritics$/,
  /^Empty page!!$/,
  /^OSD: Weak margin \([\d.]+\) for \d+ blob text block, but using orientation anyway: \d+$/,
];

/**
 * Makes everything the process prints a structured log line. The engines in worker threads
 * write to stdout and stderr, which Node pipes into this thread's streams, between the
 * JSON lines of the logger (which writes to the file descriptor itself, not through them).
 * Each of their lines becomes a log entry with its source; known noise is debug only.
 */
export function captureStrayOutput(logger: Logger): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    let pending = '';
    const target = process[stream];
    const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString((typeof encoding === 'string' ? encoding : 'utf8') as BufferEncoding);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) logLine(logger, stream, line.trimEnd());
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    };
    target.write = write as typeof target.write;
  }
}

function logLine(logger: Logger, stream: 'stdout' | 'stderr', line: string): void {
  if (!line) return;
  if (NOISE.some((pattern) => pattern.test(line))) {
    logger.debug({ source: 'ocr-engine', stream, line }, 'engine output');
    return;
  }
  const mupdf = /^(warning|error): (.*)$/.exec(line);
  if (mupdf) {
    logger.warn({ source: 'mupdf', stream, level: mupdf[1], line: mupdf[2] }, 'MuPDF message');
    return;
  }
  logger.warn({ source: 'ocr-engine', stream, line }, 'engine output');
}
