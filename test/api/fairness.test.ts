// A one-page job submitted right behind a 200-page job must not wait for the large job's pages.
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { quickPagesPdf, renderText } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';

jest.setTimeout(300_000);

interface JobBody {
  jobId: string;
  status: string;
  createdAt: string;
  completedAt: string | null;
  pages: { total: number; done: number; failed: number };
}

let harness: ApiHarness;
let api: Listening;

beforeAll(async () => {
  // One OCR engine, so the two jobs compete for it; pages of a document run one at a time.
  // The large job's pages are born-digital: PDF_TEXT=ocr has them OCR'd all the same.
  harness = await startApiHarness({ PDF_TEXT: 'ocr' });
  api = await listen(harness.app, harness.fixture.config);
});

afterAll(async () => {
  await api?.close();
  await harness?.stop();
});

async function submit(document: Buffer, type: string): Promise<string> {
  const res = await fetch(`${api.base}/jobs`, { method: 'POST', headers: { 'Content-Type': type }, body: document });
  expect(res.status).toBe(202);
  return ((await res.json()) as JobBody).jobId;
}

const read = async (jobId: string) => (await (await fetch(`${api.base}/jobs/${jobId}`)).json()) as JobBody;

test('when a one-page job is submitted right after a 200-page job, then it is done within a few page-times, long before the large job', async () => {
  const large = await submit(await quickPagesPdf(200), 'application/pdf');
  // The large job is under way and holds the engine, its next pages queued behind its current
  // ones. A page-time is how long its pages take each, measured over three of them.
  const first = await eventually(() => read(large), (job) => job.pages.done >= 3, 120_000);
  const firstAt = Date.now();
  const later = await eventually(() => read(large), (job) => job.pages.done >= first.pages.done + 3, 120_000);
  const pageMs = (Date.now() - firstAt) / (later.pages.done - first.pages.done);

  const small = await submit(await renderText({ lines: ['Invoice 4711 paid'] }), 'image/png');
  const smallDone = await eventually(() => read(small), (job) => job.completedAt !== null, 120_000);
  const largeThen = await read(large);

  expect(smallDone.status).toBe('DONE');
  expect(largeThen.completedAt).toBeNull();
  expect(largeThen.pages.done).toBeLessThan(200);
  // Its own steps (load, preprocess, recognize, store) each waited for at most a page or two.
  const waitedMs = Date.parse(smallDone.completedAt ?? '') - Date.parse(smallDone.createdAt);
  expect(waitedMs / pageMs).toBeLessThan(12);

  await fetch(`${api.base}/jobs/${large}/cancel`, { method: 'POST' });
  await eventually(() => read(large), (job) => job.completedAt !== null, 120_000);
});
