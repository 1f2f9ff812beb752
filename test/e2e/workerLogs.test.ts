// What a worker process prints, read as an operator's log shipper reads it: one JSON object
// per line, failures with the job, step, page and attempt, and no raw engine chatter.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import request from 'supertest';
import { createStage, finished, type Stage } from '../helpers/chaos';
import { renderText } from '../helpers/images';
import type { RunningProcess } from '../helpers/processes';
import { startTestServer } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let stage: Stage;
let worker: RunningProcess;

beforeAll(async () => {
  env = await startTestServer();
  stage = await createStage(env.address);
  worker = await stage.startWorker({ LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await stage?.close();
  await env?.teardown();
});

type LogLine = Record<string, unknown>;

function logLines(): LogLine[] {
  return worker
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`the worker printed a line that is not JSON: ${line}`);
      }
    });
}

async function pdfWithText(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  pdf.addPage([300, 120]).drawText('A short PDF page', { x: 20, y: 60, size: 14, font });
  return Buffer.from(await pdf.save());
}

test('when jobs succeed and fail, then every line the worker prints is JSON, and each failure names job, step, page and attempt', async () => {
  const app = stage.app(env.client);
  const corrupt = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a PNG at all')]);
  const documents: Array<[string, Buffer]> = [
    ['image/png', corrupt],
    // A few letters: orientation falls to Tesseract's OSD, which talks on its own.
    ['image/png', await renderText({ lines: ['Hi'], width: 300 })],
    ['application/pdf', await pdfWithText()],
  ];
  const jobIds: string[] = [];
  for (const [type, body] of documents) {
    const res = await request(app).post('/jobs').set('Content-Type', type).send(body);
    jobIds.push(res.body.jobId as string);
  }
  const ended = await Promise.all(jobIds.map((jobId) => finished(app, jobId)));

  expect(ended.map((res) => res.body.status)).toEqual(['ERROR', 'DONE', 'DONE']);
  const lines = logLines();
  expect(lines.find((line) => line.msg === 'step failed for good' && line.jobId === jobIds[0])).toMatchObject({
    step: 'load',
    attempt: 1,
    code: 'CORRUPT_DOCUMENT',
    retryable: false,
  });
  expect(lines.find((line) => line.msg === 'job failed' && line.jobId === jobIds[0])).toMatchObject({ code: 'CORRUPT_DOCUMENT', failedStep: 'load' });
});
