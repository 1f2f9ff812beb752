// `ocr-jobs`: the command line over the SDK. Submits files and URLs, follows jobs with a
// progress bar (plain lines when not on a terminal, JSON for scripts) and writes results.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { OcrJobsClient, TERMINAL_STATUSES, type Job, type JobStatus, type OutputFormat } from './client';
import { OcrJobsError } from './errors';

/** What the process exits with: the job's end while waiting, else whether the command worked. */
export const EXIT_CODES = { DONE: 0, FAILED: 1, PARTIAL_SUCCESS: 2, ERROR: 3, CANCELLED: 4, INTERRUPTED: 130 } as const;

const USAGE = `Usage: ocr-jobs <command> [options]

Commands:
  submit FILE|URL… [--wait] [--languages eng+fra] [--pages 1-3] [--outputs pdf,hocr]
                   [--out PATH|DIR] [--format text|json|hocr|pdf] [--concurrency N] [--cancel-on-exit]
  status ID        the job as it is now
  watch ID         follow the job until it ends [--cancel-on-exit]
  result ID        [--format text|json|hocr|pdf] [--out PATH]
  cancel ID
  delete ID
  list             [--status S] [--limit N]

Options for every command:
  --url URL        the API (default $OCR_JOBS_URL or http://localhost:3000)
  --api-key KEY    the API key (default $OCR_JOBS_API_KEY)
  --json           machine-readable output: one JSON object per line on stdout
  -h, --help

Exit codes: 0 DONE (or the command worked), 2 PARTIAL_SUCCESS, 3 ERROR, 4 CANCELLED,
1 usage or connection errors. --out makes submit wait. Ctrl-C while waiting leaves the jobs
running (and says how to follow or cancel them) unless --cancel-on-exit is given.`;

const OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  wait: { type: 'boolean' },
  languages: { type: 'string' },
  pages: { type: 'string' },
  outputs: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  concurrency: { type: 'string' },
  'cancel-on-exit': { type: 'boolean' },
  status: { type: 'string' },
  limit: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

type Options = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const FORMATS: readonly OutputFormat[] = ['text', 'json', 'hocr', 'pdf'];
const FILE_EXTENSIONS: Record<OutputFormat, string> = { text: '.txt', json: '.json', hocr: '.hocr', pdf: '.pdf' };
const STATUSES: readonly JobStatus[] = ['PENDING', 'PROCESSING', 'RETRYING', 'DONE', 'PARTIAL_SUCCESS', 'ERROR', 'CANCELLED'];

export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Aborts when the user interrupts (Ctrl-C). */
  interrupt: AbortSignal;
}

class UsageError extends Error {}

/** Runs one command line; answers the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: { values: Options; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT_CODES.DONE;
  }
  if (!command) return usage(io, 'no command given');
  const client = new OcrJobsClient({ baseUrl: values.url ?? io.env.OCR_JOBS_URL ?? 'http://localhost:3000', apiKey: values['api-key'] ?? io.env.OCR_JOBS_API_KEY });
  const out = new Output(io, values.json === true);
  try {
    switch (command) {
      case 'submit':
        return await submit(client, args, values, io, out);
      case 'watch':
        return await watch(client, oneId(args), values, io, out);
      case 'status':
        out.job(await client.get(oneId(args), { signal: io.interrupt }));
        return EXIT_CODES.DONE;
      case 'result':
        return await result(client, oneId(args), values, io);
      case 'cancel':
        out.job(await client.cancel(oneId(args), { signal: io.interrupt }));
        return EXIT_CODES.DONE;
      case 'delete': {
        const id = oneId(args);
        await client.delete(id, { signal: io.interrupt });
        out.line(`deleted ${id}`, { jobId: id, deleted: true });
        return EXIT_CODES.DONE;
      }
      case 'list':
        return await list(client, args, values, io, out);
      default:
        return usage(io, `unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) return usage(io, error.message);
    if (io.interrupt.aborted) return EXIT_CODES.INTERRUPTED;
    io.stderr.write(`ocr-jobs: ${message(error)}\n`);
    return EXIT_CODES.FAILED;
  }
}

function usage(io: CliIo, problem: string): number {
  io.stderr.write(`ocr-jobs: ${problem}\n\n${USAGE}\n`);
  return EXIT_CODES.FAILED;
}

function oneId(args: string[]): string {
  if (args.length !== 1) throw new UsageError(`expected one job id, got ${args.length}`);
  return args[0]!;
}

function formatOf(value: string | undefined): OutputFormat {
  const format = (value ?? 'text') as OutputFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  return format;
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number`);
  return n;
}

/** One input of `submit`, and what became of it. */
interface Task {
  input: string;
  name: string;
  job?: Job;
  /** Where its result went. */
  written?: string;
  failure?: unknown;
}

async function submit(client: OcrJobsClient, inputs: string[], values: Options, io: CliIo, out: Output): Promise<number> {
  if (inputs.length === 0) throw new UsageError('submit needs at least one FILE or URL');
  const format = formatOf(values.format);
  const concurrency = positiveInteger(values.concurrency, '--concurrency', 4);
  const wait = values.wait === true || values.out !== undefined;
  const destination = values.out === undefined ? null : await resultDestination(values.out, inputs.length);
  const options = {
    ...(values.languages ? { languages: values.languages } : {}),
    ...(values.pages ? { pages: values.pages } : {}),
    ...(values.outputs ? { outputs: values.outputs } : {}),
  };
  const progress = wait ? new Progress(io, values.json === true) : null;
  const tasks: Task[] = inputs.map((input) => ({ input, name: isUrl(input) ? input : basename(input) }));
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && !io.interrupt.aborted) {
      const task = tasks[next++]!;
      try {
        // Keyed by content and options: running the command again finds the same jobs.
        const idempotencyKey = await contentKey(task.input, options);
        task.job = await client.submit(isUrl(task.input) ? { sourceUrl: task.input } : task.input, { ...options, idempotencyKey, signal: io.interrupt });
        if (!wait) {
          out.line(`${task.job.jobId}\t${task.job.status}\t${task.input}`, { input: task.input, jobId: task.job.jobId, status: task.job.status });
          continue;
        }
        const bar = progress!.add(task.name, task.job);
        task.job = await waitFor(client, task.job.jobId, io, (job) => bar.update(job));
        bar.update(task.job);
        if (destination && task.job.status !== 'ERROR' && task.job.status !== 'CANCELLED') {
          task.written = destination(task.input, task.job.jobId, format);
          await writeResult(client, task.job.jobId, format, task.written, io);
        }
      } catch (error) {
        task.failure = error;
        if (error instanceof OcrJobsError && error.job) task.job = error.job;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  progress?.stop();
  if (io.interrupt.aborted) return interrupted(client, tasks.flatMap((t) => (t.job && !TERMINAL_STATUSES.has(t.job.status) ? [t.job.jobId] : [])), values, io);
  if (wait) for (const task of tasks) report(task, out, io);
  else for (const task of tasks) if (task.failure) io.stderr.write(`ocr-jobs: ${task.input}: ${message(task.failure)}\n`);
  return worstExit(tasks);
}

async function watch(client: OcrJobsClient, jobId: string, values: Options, io: CliIo, out: Output): Promise<number> {
  const progress = new Progress(io, values.json === true);
  const task: Task = { input: jobId, name: jobId };
  try {
    task.job = await client.get(jobId, { signal: io.interrupt });
    const bar = progress.add(jobId, task.job);
    task.job = await waitFor(client, jobId, io, (job) => bar.update(job));
    bar.update(task.job);
  } catch (error) {
    task.failure = error;
    if (error instanceof OcrJobsError && error.job) task.job = error.job;
  }
  progress.stop();
  if (io.interrupt.aborted) return interrupted(client, [jobId], values, io);
  report(task, out, io);
  return worstExit([task]);
}

/** Waits for a job; a job that ends ERROR is returned like any end (the caller reports it). */
async function waitFor(client: OcrJobsClient, jobId: string, io: CliIo, onProgress: (job: Job) => void): Promise<Job> {
  try {
    return await client.wait(jobId, { signal: io.interrupt, onProgress });
  } catch (error) {
    if (error instanceof OcrJobsError && error.job?.status === 'ERROR') return error.job;
    throw error;
  }
}

/** Ctrl-C while waiting: the jobs run on, and the user is told how to follow or cancel them. */
async function interrupted(client: OcrJobsClient, running: string[], values: Options, io: CliIo): Promise<number> {
  for (const jobId of running) {
    if (values['cancel-on-exit']) {
      try {
        await client.cancel(jobId);
        io.stderr.write(`ocr-jobs: cancelled ${jobId}\n`);
      } catch (error) {
        io.stderr.write(`ocr-jobs: could not cancel ${jobId}: ${message(error)}\n`);
      }
    } else {
      io.stderr.write(`ocr-jobs: ${jobId} is still running; follow it with "ocr-jobs watch ${jobId}", stop it with "ocr-jobs cancel ${jobId}"\n`);
    }
  }
  return EXIT_CODES.INTERRUPTED;
}

function report(task: Task, out: Output, io: CliIo): void {
  const job = task.job;
  if (task.failure && job?.status !== 'ERROR') {
    io.stderr.write(`ocr-jobs: ${task.input}: ${message(task.failure)}\n`);
    out.line(null, { input: task.input, jobId: job?.jobId ?? null, error: errorJson(task.failure) });
    return;
  }
  if (!job) return;
  const error = job.error ? `\t${job.error.code} in step ${job.error.failedStep}: ${job.error.message}` : '';
  out.line(`${job.jobId}\t${job.status}\t${task.input}${task.written ? `\t${task.written}` : ''}${error}`, {
    input: task.input,
    jobId: job.jobId,
    status: job.status,
    ...(task.written ? { out: task.written } : {}),
    error: job.error ?? null,
  });
  if (job.error) io.stderr.write(`ocr-jobs: ${task.input}: job ${job.jobId} failed in step ${job.error.failedStep}: ${job.error.message} (${job.error.code})\n`);
}

/** The exit code of several jobs: a failure to reach one first, then ERROR, CANCELLED, PARTIAL_SUCCESS. */
function worstExit(tasks: Task[]): number {
  const codes = tasks.map((t) => (t.failure && t.job?.status !== 'ERROR' ? EXIT_CODES.FAILED : t.job ? exitCodeOf(t.job.status) : EXIT_CODES.FAILED));
  for (const code of [EXIT_CODES.FAILED, EXIT_CODES.ERROR, EXIT_CODES.CANCELLED, EXIT_CODES.PARTIAL_SUCCESS]) if (codes.includes(code)) return code;
  return EXIT_CODES.DONE;
}

function exitCodeOf(status: JobStatus): number {
  if (status === 'PARTIAL_SUCCESS') return EXIT_CODES.PARTIAL_SUCCESS;
  if (status === 'ERROR') return EXIT_CODES.ERROR;
  if (status === 'CANCELLED') return EXIT_CODES.CANCELLED;
  return EXIT_CODES.DONE;
}

async function result(client: OcrJobsClient, jobId: string, values: Options, io: CliIo): Promise<number> {
  await writeResult(client, jobId, formatOf(values.format), values.out ?? '-', io);
  return EXIT_CODES.DONE;
}

/** Streams a result to a file (`-`: stdout). */
async function writeResult(client: OcrJobsClient, jobId: string, format: OutputFormat, path: string, io: CliIo): Promise<void> {
  const body = await client.result(jobId, format, { as: 'stream', signal: io.interrupt });
  const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  if (path === '-') {
    await pipeline(source, io.stdout, { end: false });
    return;
  }
  await pipeline(source, createWriteStream(path));
}

/**
 * Where each input's result goes: `-` is stdout; a directory (one that exists, a path ending
 * in `/`, or any path when there are several inputs) gets one file per input, named after it.
 */
async function resultDestination(out: string, inputs: number): Promise<(input: string, jobId: string, format: OutputFormat) => string> {
  if (out === '-') return () => '-';
  const isDirectory = out.endsWith('/') || inputs > 1 || (await stat(out).then((s) => s.isDirectory(), () => false));
  if (!isDirectory) return () => out;
  await mkdir(out, { recursive: true });
  return (input, jobId, format) => {
    const name = isUrl(input) ? basename(new URL(input).pathname) || jobId : basename(input);
    return join(out, `${basename(name, extname(name)) || jobId}${FILE_EXTENSIONS[format]}`);
  };
}

async function list(client: OcrJobsClient, args: string[], values: Options, io: CliIo, out: Output): Promise<number> {
  if (args.length > 0) throw new UsageError('list takes no arguments');
  const status = values.status?.toUpperCase() as JobStatus | undefined;
  if (status && !STATUSES.includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
  const limit = positiveInteger(values.limit, '--limit', 20);
  let shown = 0;
  for await (const job of client.list({ status, limit: Math.min(100, limit), signal: io.interrupt })) {
    out.line(`${job.jobId}\t${job.status}\t${job.createdAt}`, job);
    if (++shown >= limit) break;
  }
  return EXIT_CODES.DONE;
}

/**
 * The idempotency key of one input: the SHA-256 of its bytes (or its URL) and the options,
 * so the same file with the same options always names the same job.
 */
async function contentKey(input: string, options: Record<string, string>): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(Object.entries(options).sort(([a], [b]) => a.localeCompare(b))));
  if (isUrl(input)) hash.update(`url:${input}`);
  else await pipeline(createReadStream(input), hash);
  return `cli-${hash.digest('hex')}`;
}

function isUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

function message(error: unknown): string {
  if (error instanceof OcrJobsError) return `${error.detail} (${error.code}${error.status ? `, HTTP ${error.status}` : ''})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

function errorJson(error: unknown): Record<string, unknown> {
  return error instanceof OcrJobsError ? { code: error.code, status: error.status, detail: error.detail } : { code: 'CLI_ERROR', detail: message(error) };
}

/** What the command prints on stdout: a line for people, or a JSON object per line with `--json`. */
class Output {
  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {}

  line(text: string | null, value: unknown): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(value)}\n`);
    else if (text !== null) this.io.stdout.write(`${text}\n`);
  }

  job(job: Job): void {
    const pages = `pages ${job.pages?.done ?? 0}/${job.pages?.total ?? '?'}`;
    const error = job.error ? `\n${job.error.code} in step ${job.error.failedStep}: ${job.error.message}` : '';
    this.line(`${job.jobId}\t${job.status}\t${job.progress}%\t${pages}${job.step ? `\tstep ${job.step}` : ''}${error}`, job);
  }
}

interface ProgressLine {
  update(job: Job): void;
}

/**
 * Progress while waiting, on stderr: a bar per job on a terminal (pages, step, ETA), a line
 * per change elsewhere, nothing with `--json`.
 */
class Progress {
  private readonly bars: MultiBar | null;

  constructor(
    private readonly io: CliIo,
    private readonly quiet: boolean,
  ) {
    this.bars =
      !quiet && io.stderr.isTTY
        ? new MultiBar(
            {
              stream: io.stderr,
              format: '{name} |{bar}| {percentage}% | pages {pages} | {state} | ETA {eta_formatted}',
              hideCursor: true,
              clearOnComplete: false,
              etaBuffer: 20,
            },
            Presets.shades_classic,
          )
        : null;
  }

  add(name: string, job: Job): ProgressLine {
    if (this.quiet) return { update: () => undefined };
    if (this.bars) {
      const bar: SingleBar = this.bars.create(100, job.progress, fields(name, job));
      return { update: (next) => bar.update(next.progress, fields(name, next)) };
    }
    let last = '';
    const print = (next: Job) => {
      const f = fields(name, next);
      const line = `${name}: ${f.state} ${next.progress}% pages ${f.pages}`;
      if (line !== last) this.io.stderr.write(`${line}\n`);
      last = line;
    };
    print(job);
    return { update: print };
  }

  stop(): void {
    this.bars?.stop();
  }
}

function fields(name: string, job: Job): { name: string; pages: string; state: string } {
  const state = job.status === 'PROCESSING' && job.step ? `${job.status} ${job.step}` : job.status;
  return { name, pages: `${job.pages?.done ?? 0}/${job.pages?.total ?? '?'}`, state };
}

/** The process: Ctrl-C aborts the waits once; a second one exits at once. */
export async function main(): Promise<void> {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    controller.abort();
    process.once('SIGINT', () => process.exit(EXIT_CODES.INTERRUPTED));
  });
  process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, interrupt: controller.signal });
}
