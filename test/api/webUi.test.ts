// What an operator sees of a job in the Temporal Web UI: search attributes to find it by,
// a summary of what it is, its current details, and a summary per page step.
import { temporal } from '@temporalio/proto';
import {
  ERROR_CODE_SEARCH_ATTRIBUTE,
  MEDIA_TYPE_SEARCH_ATTRIBUTE,
  PAGE_COUNT_SEARCH_ATTRIBUTE,
  REQUEST_ID_SEARCH_ATTRIBUTE,
} from '../../src/shared/searchAttributes';
import { isTerminalStatus, type JobStatus } from '../../src/shared/jobs';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { multiPageTiff, renderText } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';

let harness: ApiHarness;
let api: Listening;

beforeAll(async () => {
  harness = await startApiHarness();
  api = await listen(harness.app, harness.fixture.config);
});
afterAll(async () => {
  await api?.close();
  await harness?.stop();
});

async function finished(jobId: string): Promise<{ status: JobStatus }> {
  return eventually(
    () => fetch(`${api.base}/jobs/${jobId}`).then((res) => res.json() as Promise<{ status: JobStatus }>),
    (job) => isTerminalStatus(job.status),
  );
}

test('when a job is submitted with a file name and a request id, then the Web UI can find it by them and says what it is and what each step was', async () => {
  const requestId = `req-webui-${Date.now()}`;
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await multiPageTiff(['Invoice 4711', 'Delivery note']))], { type: 'image/tiff' }), 'invoice-4711.tiff');
  form.append('languages', 'eng');
  const submitted = await fetch(`${api.base}/jobs`, { method: 'POST', body: form, headers: { 'X-Request-Id': requestId } });
  const { jobId } = (await submitted.json()) as { jobId: string };
  expect((await finished(jobId)).status).toBe('DONE');
  const handle = harness.env.client.workflow.getHandle(jobId);

  const description = await handle.describe();
  const found = await eventually(
    async () => {
      const ids: string[] = [];
      for await (const workflow of harness.env.client.workflow.list({ query: `OcrRequestId = '${requestId}' AND OcrPageCount = 2` })) ids.push(workflow.workflowId);
      return ids;
    },
    (ids) => ids.length > 0,
  );
  const metadata = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
  const history = await handle.fetchHistory();
  const summaries = (history.events ?? [])
    .filter((event) => event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && event.userMetadata?.summary)
    .map((event) => JSON.parse(Buffer.from(event.userMetadata!.summary!.data!).toString('utf8')) as string);

  expect(found).toEqual([jobId]);
  expect(description.typedSearchAttributes.get(REQUEST_ID_SEARCH_ATTRIBUTE)).toBe(requestId);
  expect(description.typedSearchAttributes.get(MEDIA_TYPE_SEARCH_ATTRIBUTE)).toBe('image/tiff');
  expect(description.typedSearchAttributes.get(PAGE_COUNT_SEARCH_ATTRIBUTE)).toBe(2);
  expect(description.typedSearchAttributes.get(ERROR_CODE_SEARCH_ATTRIBUTE)).toBeUndefined();
  expect(await description.staticSummary()).toBe('OCR invoice-4711.tiff (image/tiff), all pages, eng');
  expect(await description.staticDetails()).toContain('**Outputs**: text, json');
  expect(description.memo?.requestId).toBe(requestId);
  expect(metadata.currentDetails).toBe('**DONE** · 100% · pages 2/2 read');
  expect(summaries.sort()).toEqual(['preprocess page 1/2', 'preprocess page 2/2', 'recognize page 1/2', 'recognize page 2/2']);
});

test('when a job ends ERROR, then its error code is a search attribute', async () => {
  const png = await renderText({ lines: ['Cut short'] });
  const submitted = await fetch(`${api.base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png.subarray(0, png.length / 2) });
  const { jobId } = (await submitted.json()) as { jobId: string };
  expect((await finished(jobId)).status).toBe('ERROR');

  const description = await harness.env.client.workflow.getHandle(jobId).describe();

  expect(description.typedSearchAttributes.get(ERROR_CODE_SEARCH_ATTRIBUTE)).toBe('CORRUPT_DOCUMENT');
  expect(await description.staticSummary()).toBe('OCR upload (image/png), all pages, eng');
});
