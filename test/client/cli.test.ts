// The `ocr-jobs` command line, run as users run it: a child process of the built package, on a
// pseudo-terminal (util-linux `script`) and without one, against the real service.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { JobEventHub } from '../../src/api/jobEvents';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { renderText, words } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'ocr-jobs.js');

let harness: ApiHarness;
let api: Listening;
/** An API whose jobs no worker reads: they stay PENDING for as long as a test needs. */
let idle: Listening;
let scratch: string;

beforeAll(async () => {
  harness = await startApiHarness();
  api = await listen(harness.app, harness.fixture.config);
  idle = await listen(harness.idleApp, harness.idleAppConfig);
  scratch = await mkdtemp(join(tmpdir(), 'ocr-cli-'));
});
afterAll(async () => {
  for (const app of [harness?.app, harness?.idleApp]) (app?.locals.eventHub as JobEventHub | undefined)?.close();
  await idle?.close();
  await api?.close();
  await harness?.stop();
  await rm(scratch, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  /** Resolves once stderr (stdout on a terminal, which carries both) has matched. */
  printed(pattern: RegExp): Promise<string>;
  interrupt(): void;
  done: Promise<Run>;
}

/** Starts `ocr-jobs ARGS` against `url`; on a pseudo-terminal when `tty`. */
function start(args: string[], { url = api.base, tty = false, cwd = scratch }: { url?: string; tty?: boolean; cwd?: string } = {}): Running {
  const env = { ...process.env, OCR_JOBS_URL: url, OCR_JOBS_API_KEY: '', TERM: 'xterm', COLUMNS: '120' };
  const command = [process.execPath, BIN, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = tty ? spawn('script', ['-qfec', command, '/dev/null'], { cwd, env }) : spawn(process.execPath, [BIN, ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: (text: string) => void }> = [];
  const check = () => {
    const text = tty ? stdout : stderr;
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(text)) waiter.resolve(text);
      else waiters.push(waiter);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    check();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    check();
  });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    printed: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        void done.then((run) => reject(new Error(`exited ${run.code} before printing ${pattern}: ${run.stderr}${run.stdout}`)));
      }),
    interrupt: () => child.kill('SIGINT'),
    done,
  };
}

const ocrJobs = (args: string[], options?: Parameters<typeof start>[1]) => start(args, options).done;

async function scan(name: string, line: string): Promise<string> {
  const path = join(scratch, name);
  await writeFile(path, await renderText({ lines: [line] }));
  return path;
}

/** Job ids in the order the lines of `submit` name them (first column). */
const jobIds = (stdout: string) => stdout.trim().split('\n').map((line) => line.split('\t')[0]);

test('when a folder of scans is submitted with --wait --out DIR, then one text file per input is written, and running it again submits nothing new', async () => {
  const folder = join(scratch, 'scans');
  await mkdir(folder);
  const lines = ['Invoice 4711 paid', 'Delivery note 88', 'Order 1203 shipped'];
  await Promise.all(lines.map(async (line, i) => writeFile(join(folder, `scan-${i}.png`), await renderText({ lines: [line] }))));
  const inputs = lines.map((_, i) => join(folder, `scan-${i}.png`));
  const out = join(scratch, 'texts');

  const first = await ocrJobs(['submit', ...inputs, '--wait', '--out', `${out}/`, '--concurrency', '2']);
  const again = await ocrJobs(['submit', ...inputs, '--wait', '--out', `${out}/`]);

  expect(first.code).toBe(0);
  expect((await readdir(out)).sort()).toEqual(['scan-0.txt', 'scan-1.txt', 'scan-2.txt']);
  for (const [i, line] of lines.entries()) expect(words(await readFile(join(out, `scan-${i}.txt`), 'utf8'))).toEqual(words(line));
  // Not a terminal: one plain line per change, on stderr.
  expect(first.stderr).toMatch(/^scan-0\.png: DONE 100% pages 1\/1$/m);
  expect(first.stdout).toMatch(/\tDONE\t.*scan-1\.png\t.*scan-1\.txt$/m);
  expect(again.code).toBe(0);
  expect(jobIds(again.stdout).sort()).toEqual(jobIds(first.stdout).sort());
});

test('when a job is waited for on a terminal, then a progress bar shows its pages and status, and the exit code says DONE', async () => {
  const path = await scan('bar.png', 'Progress bar page');

  const run = await ocrJobs(['submit', path, '--wait'], { tty: true });

  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/bar\.png \|[█░]+\| 100% \| pages 1\/1 \| DONE/);
});

test('when a job ends ERROR, then the exit code is 3 and stderr names the code and the failed step', async () => {
  const png = await renderText({ lines: ['cut short'] });
  const path = join(scratch, 'broken.png');
  await writeFile(path, png.subarray(0, png.length / 2));

  const run = await ocrJobs(['submit', path, '--wait', '--json']);

  expect(run.code).toBe(3);
  expect(run.stderr).toContain('failed in step preprocess');
  expect(run.stderr).toContain('CORRUPT_DOCUMENT');
  expect(JSON.parse(run.stdout)).toMatchObject({ input: path, status: 'ERROR', error: { code: 'CORRUPT_DOCUMENT', failedStep: 'preprocess' } });
});

test('when a command fails or is misused, then the exit code is 1 with the problem on stderr', async () => {
  const missing = await ocrJobs(['status', '00000000-0000-4000-8000-000000000000']);
  const unknown = await ocrJobs(['frobnicate']);
  const unreachable = await ocrJobs(['list'], { url: 'http://127.0.0.1:9' });

  expect(missing).toMatchObject({ code: 1, stdout: '' });
  expect(missing.stderr).toContain('there is no job 00000000-0000-4000-8000-000000000000 (JOB_NOT_FOUND, HTTP 404)');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('unknown command "frobnicate"');
  expect(unknown.stderr).toContain('Usage: ocr-jobs');
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr).toContain('could not reach http://127.0.0.1:9');
});

test('when Ctrl-C is pressed while waiting, then the job is left running and the user is told how to watch or cancel it; with --cancel-on-exit it is cancelled', async () => {
  const path = await scan('interrupted.png', 'Nobody reads this yet');
  const waiting = start(['submit', path, '--wait'], { url: idle.base });
  await waiting.printed(/interrupted\.png: PENDING/);
  waiting.interrupt();
  const left = await waiting.done;
  const jobId = /ocr-jobs watch ([0-9a-f-]{36})/.exec(left.stderr)?.[1];

  expect(left.code).toBe(130);
  expect(jobId).toBeDefined();
  expect(left.stderr).toContain(`ocr-jobs cancel ${jobId}`);
  const job = (await (await fetch(`${idle.base}/jobs/${jobId}`)).json()) as { status: string };
  expect(job.status).toBe('PENDING');

  const watching = start(['watch', jobId!, '--cancel-on-exit'], { url: idle.base });
  await watching.printed(/PENDING/);
  watching.interrupt();
  const cancelled = await watching.done;

  expect(cancelled.code).toBe(130);
  expect(cancelled.stderr).toContain(`cancelled ${jobId}`);
  const requested = await eventually(
    () => harness.env.client.workflow.getHandle(jobId!).fetchHistory(),
    (history) => (history.events ?? []).some((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED),
  );
  expect(requested.events?.length).toBeGreaterThan(0);
});

test('when a finished job is read, listed and deleted, then result writes its PDF, list shows it, and delete removes it', async () => {
  const path = await scan('pdf.png', 'Searchable copy');
  const submitted = await ocrJobs(['submit', path, '--wait', '--outputs', 'pdf', '--json']);
  const { jobId } = JSON.parse(submitted.stdout) as { jobId: string };
  const pdf = join(scratch, 'copy.pdf');

  const result = await ocrJobs(['result', jobId, '--format', 'pdf', '--out', pdf]);
  const text = await ocrJobs(['result', jobId]);
  const status = await ocrJobs(['status', jobId]);
  const listed = await eventually(
    () => ocrJobs(['list', '--status', 'DONE', '--limit', '100', '--json']),
    (run) => run.stdout.includes(jobId),
  );
  const deleted = await ocrJobs(['delete', jobId]);
  const gone = await ocrJobs(['status', jobId]);

  expect(result.code).toBe(0);
  expect((await readFile(pdf)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(words(text.stdout)).toEqual(['searchable', 'copy']);
  expect(status.stdout).toMatch(new RegExp(`^${jobId}\tDONE\t100%\tpages 1/1`));
  expect(listed.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { status: string }).status)).toEqual(expect.arrayContaining(['DONE']));
  expect(listed.stdout.trim().split('\n').every((line) => (JSON.parse(line) as { status: string }).status === 'DONE')).toBe(true);
  expect(deleted).toMatchObject({ code: 0, stdout: `deleted ${jobId}\n` });
  expect(gone.code).toBe(1);
  expect(gone.stderr).toContain('HTTP 410');
});

test('when the package is installed, then npx ocr-jobs runs its command line', async () => {
  const run = await new Promise<Run>((resolve) => {
    const child = spawn('npx', ['--no-install', 'ocr-jobs', '--help'], { cwd: ROOT, env: process.env });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
  });

  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Usage: ocr-jobs <command>');
});
