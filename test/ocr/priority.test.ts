// The threads of a worker process that read pages run at OCR_NICE; its main thread (the
// Temporal connection, activity coordination) keeps its priority, so the worker, the API and
// Temporal on the same host answer at once while OCR fills the cores.
import { readdirSync, readFileSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createStage, finished, type Stage } from '../helpers/chaos';
import { startTestServer } from '../helpers/temporal';
import request from 'supertest';

let env: TestWorkflowEnvironment;
let stage: Stage;

beforeAll(async () => {
  env = await startTestServer();
  // tesseract.js's engine is a thread of the worker (the native engine's processes are
  // checked in engines.test.ts); the PDF's pages are OCR'd, not read from their text layer.
  stage = await createStage(env.address, { OCR_NICE: '5', OCR_ENGINE: 'tesseractjs', PDF_TEXT: 'ocr' });
});
afterAll(async () => {
  await stage?.close();
  await env?.teardown();
});

interface Thread {
  tid: number;
  name: string;
  nice: number;
}

/** A process's threads, with their names and nice values, as Linux keeps them. */
function threadsOf(pid: number): Thread[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The fields after the name, from the state (the 3rd field of the line): nice is the 19th.
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      return [{ tid: Number(tid), name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), nice }];
    } catch {
      return [];
    }
  });
}

async function textPdf(pages: number): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let page = 1; page <= pages; page++) pdf.addPage([400, 200]).drawText(`Priority check page ${page}`, { x: 30, y: 100, size: 20, font });
  return Buffer.from(await pdf.save());
}

test('when a worker reads pages, then its engine, analysis, PDF and libvips threads run at OCR_NICE and its main thread keeps its priority', async () => {
  const worker = await stage.startWorker();
  const app = stage.app(env.client);
  const before = new Set(threadsOf(worker.pid).map((thread) => thread.tid));
  const submitted = await request(app).post('/jobs').set('Content-Type', 'application/pdf').send(await textPdf(3));
  expect(submitted.status).toBe(202);

  const done = await finished(app, submitted.body.jobId as string);
  const threads = threadsOf(worker.pid);

  expect(done.body.status).toBe('DONE');
  expect(threads.find((thread) => thread.tid === worker.pid)?.nice).toBe(0);
  const vips = threads.filter((thread) => thread.name === 'libvips worker');
  expect(vips.length).toBeGreaterThan(0);
  expect(vips.map((thread) => thread.nice)).toEqual(vips.map(() => 5));
  // Started for the job: the tesseract.js engine, the analysis thread and the MuPDF thread at 5;
  // whatever else the job started (the SDK's, libuv's) at the worker's own.
  const started = threads.filter((thread) => !before.has(thread.tid) && thread.name !== 'libvips worker');
  expect(started.filter((thread) => thread.nice === 5).length).toBeGreaterThanOrEqual(3);
  expect(started.every((thread) => thread.nice === 5 || thread.nice === 0)).toBe(true);
});
