import { CancelledFailure } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { createActivities } from '../../src/activities';
import type { OutputFormat, UploadSource } from '../../src/shared/schemas';
import { jobKeys } from '../../src/storage/blobStore';
import { activityEnvironment, createOcrFixture, depsOf, runActivity as run, type OcrFixture } from '../helpers/harness';
import { renderText, words } from '../helpers/images';

let fixture: OcrFixture;
let jobCounter = 0;
/** The run id MockActivityEnvironment gives its activities. */
const RUN_ID = '00000000-0000-0000-0000-000000000000';

beforeAll(async () => {
  fixture = await createOcrFixture();
});
afterAll(async () => {
  await fixture.close();
});

async function store(bytes: Buffer): Promise<{ jobId: string; source: UploadSource }> {
  const jobId = `job-${++jobCounter}`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const source: UploadSource = {
    kind: 'upload',
    key: jobKeys.source({ jobId }, sha256),
    sha256,
    bytes: bytes.length,
    mediaType: 'image/png',
  };
  await fixture.blobs.put(source.key, bytes);
  return { jobId, source };
}

async function expectFailure(work: Promise<unknown>, type: string, nonRetryable: boolean): Promise<ApplicationFailure> {
  const err = await work.then(
    () => {
      throw new Error('expected the step to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type, nonRetryable });
  return err as ApplicationFailure;
}

const LINES = ['The quick brown fox jumps', 'over the lazy dog 1234'];
const TEXT: OutputFormat[] = ['text', 'json'];

describe('step activities on a rendered page', () => {
  test('when a clean page goes through every step, then the stored result holds its text', async () => {
    const { jobId, source } = await store(await renderText({ lines: LINES }));
    const env = activityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const { loadDocument, preprocessPage, recognizePage, storeResult } = fixture.activities;

    const doc = await run(env, loadDocument, { jobId, source });
    const image = await run(env, preprocessPage, { jobId, source, mediaType: doc.mediaType, page: 1 });
    const page = await run(env, recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: TEXT, pageErrors: [] });
    const stored = await run(env, storeResult, { jobId, pages: [page], outputs: TEXT, pageErrors: [] });

    expect(doc).toMatchObject({ mediaType: 'image/png', pageCount: 1, pages: [1] });
    expect(heartbeats.length).toBeGreaterThan(0);
    expect(heartbeats).toContainEqual(expect.objectContaining({ page: 1 }));
    expect(page.confidence).toBeGreaterThan(80);
    expect(page.words).toBe(10);
    const summary = JSON.parse((await fixture.blobs.get(stored.resultKey)).toString());
    expect(words(summary.text)).toEqual(words(LINES.join(' ')));
    expect(stored.confidence).toBe(page.confidence);
    expect(await fixture.blobs.exists(image.imageKey)).toBe(false);
  });

  test('when the image is a multi-page TIFF, then each page is loaded and read on its own', async () => {
    const first = await sharp(await renderText({ lines: ['First page here'] })).toBuffer();
    const second = await sharp(await renderText({ lines: ['Second page there'] })).toBuffer();
    const tiff = await sharp([first, second], { join: { animated: true } }).tiff().toBuffer();
    const { jobId, source } = await store(tiff);
    const env = activityEnvironment();
    const { loadDocument, preprocessPage, recognizePage } = fixture.activities;

    const doc = await run(env, loadDocument, { jobId, source });
    const image = await run(env, preprocessPage, { jobId, source, mediaType: doc.mediaType, page: 2 });
    const page = await run(env, recognizePage, { jobId, page: 2, image, languages: ['eng'], outputs: TEXT, pageErrors: [] });

    expect(doc).toMatchObject({ mediaType: 'image/tiff', pageCount: 2, pages: [1, 2] });
    const stored = JSON.parse((await fixture.blobs.get(page.resultKey)).toString());
    expect(words(stored.text)).toEqual(['second', 'page', 'there']);
  });
});

describe('step activities on bad input', () => {
  test('when the bytes are not an image, then load fails for good with UNSUPPORTED_MEDIA_TYPE', async () => {
    const { jobId, source } = await store(Buffer.from('just some text, not a picture'));
    const env = activityEnvironment();

    await expectFailure(run(env, fixture.activities.loadDocument, { jobId, source }), 'UNSUPPORTED_MEDIA_TYPE', true);
  });

  test('when a PNG has a valid signature but garbage after it, then load fails for good with CORRUPT_DOCUMENT', async () => {
    const png = await renderText({ lines: LINES });
    const garbage = Buffer.concat([png.subarray(0, 8), Buffer.alloc(200, 0x41)]);
    const { jobId, source } = await store(garbage);
    const env = activityEnvironment();

    await expectFailure(run(env, fixture.activities.loadDocument, { jobId, source }), 'CORRUPT_DOCUMENT', true);
  });

  test('when a PNG is cut short, then preprocessing fails for good with CORRUPT_DOCUMENT', async () => {
    const png = await renderText({ lines: LINES });
    const { jobId, source } = await store(png.subarray(0, Math.floor(png.length / 2)));
    const env = activityEnvironment();
    const input = { jobId, source, mediaType: 'image/png', page: 1 };

    await expectFailure(run(env, fixture.activities.preprocessPage, input), 'CORRUPT_DOCUMENT', true);
  });

  test('when the document has more pixels than allowed, then load fails for good with IMAGE_TOO_LARGE', async () => {
    const activities = createActivities({ ...depsOf(fixture), limits: { maxPixels: 1000, maxPages: 10 } });
    const { jobId, source } = await store(await renderText({ lines: LINES }));

    await expectFailure(
      run(activityEnvironment(), activities.loadDocument, { jobId, source }),
      'IMAGE_TOO_LARGE',
      true,
    );
  });

  test('when the stored document is gone, then load fails for good with SOURCE_MISSING', async () => {
    const { jobId, source } = await store(await renderText({ lines: LINES }));
    await fixture.blobs.deletePrefix(jobKeys.root({ jobId }));

    await expectFailure(
      run(activityEnvironment(), fixture.activities.loadDocument, { jobId, source }),
      'SOURCE_MISSING',
      true,
    );
  });

  test('when a language is not installed, then recognition fails for good with UNSUPPORTED_LANGUAGE', async () => {
    const { jobId, source } = await store(await renderText({ lines: LINES }));
    const env = activityEnvironment();
    const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });

    const err = await expectFailure(
      run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng', 'xyz'], outputs: TEXT, pageErrors: [] }),
      'UNSUPPORTED_LANGUAGE',
      true,
    );
    expect(err.message).toContain('xyz');
  });
});

describe('heartbeats of long steps', () => {
  test('when preparing a page takes several heartbeat intervals, then preprocess heartbeats all along, not only at its start', async () => {
    const big = await renderText({ lines: Array.from({ length: 120 }, (_, i) => `Line ${i} of a large scanned page`), fontSize: 40, width: 4000 });
    const { jobId, source } = await store(big);
    const env = activityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));

    await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });

    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    expect(heartbeats.every((details) => (details as { page: number }).page === 1)).toBe(true);
  });
});

describe('recognition under retries and cancellation', () => {
  test('when a page result was stored by an earlier attempt, then a retry returns it without recognising again', async () => {
    const { jobId, source } = await store(await renderText({ lines: LINES }));
    const env = activityEnvironment();
    const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });
    const first = await run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: TEXT, pageErrors: [] });
    const recognitions = jest.spyOn(fixture.deps.pipeline, 'readPage');

    const retried = await run(activityEnvironment({ attempt: 2 }), fixture.activities.recognizePage, {
      jobId,
      page: 1,
      image,
      languages: ['eng'],
      outputs: TEXT,
    });

    expect(retried).toEqual(first);
    expect(recognitions).not.toHaveBeenCalled();
    recognitions.mockRestore();
  });

  test('when the stored page result at this key was read from another document, then the page is read again', async () => {
    const { jobId, source } = await store(await renderText({ lines: ['Another document entirely'] }));
    const env = activityEnvironment();
    const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });
    const stale = { page: 1, runId: RUN_ID, sourceSha256: 'f'.repeat(64), width: 1, height: 1, languages: ['eng'], text: 'stale text', confidence: 99, layout: 'flow', blocks: [], analysis: image.analysis, preprocessMs: 0, recognizeMs: 0 };
    await fixture.blobs.put(jobKeys.pageResult({ jobId }, RUN_ID, 1), JSON.stringify(stale));

    const page = await run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: TEXT });

    const stored = JSON.parse((await fixture.blobs.get(page.resultKey)).toString());
    expect(words(stored.text)).toEqual(['another', 'document', 'entirely']);
    expect(stored.sourceSha256).toBe(source.sha256);
  });

  test('when a new run loads a job whose id an earlier run used, then that run\'s pages, result and document are removed', async () => {
    const { jobId, source } = await store(await renderText({ lines: LINES }));
    const earlierRun = '11111111-1111-4111-8111-111111111111';
    await fixture.blobs.put(jobKeys.pageResult({ jobId }, earlierRun, 1), '{}');
    await fixture.blobs.put(jobKeys.resultText({ jobId }), 'the earlier text');
    await fixture.blobs.put(jobKeys.source({ jobId }, 'e'.repeat(64)), 'the earlier document');
    await fixture.blobs.put(jobKeys.pageImage({ jobId }, RUN_ID, 1), 'this run');

    await run(activityEnvironment(), fixture.activities.loadDocument, { jobId, source });

    expect(await fixture.blobs.list(jobKeys.runs({ jobId }))).toEqual([RUN_ID]);
    expect(await fixture.blobs.exists(jobKeys.resultText({ jobId }))).toBe(false);
    expect(await fixture.blobs.list(jobKeys.sources({ jobId }))).toEqual([source.sha256]);
  });

  test('when recognition is cancelled mid-page, then the step stops with a cancellation and the pool still works', async () => {
    const big = await renderText({ lines: Array.from({ length: 60 }, (_, i) => `Line ${i} of a long page of text`) });
    const { jobId, source } = await store(big);
    const env = activityEnvironment();
    const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });
    // The first heartbeat comes before recognition starts; cancel on the second, mid-page.
    let beats = 0;
    env.on('heartbeat', () => ++beats === 2 && env.cancel());

    const err = await run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: TEXT, pageErrors: [] }).catch(
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(CancelledFailure);
    expect(await fixture.blobs.exists(jobKeys.pageResult({ jobId }, RUN_ID, 1))).toBe(false);
    const after = await fixture.pool.recognize(await renderText({ lines: ['Still working'] }), { languages: ['eng'] });
    expect(words(after.text)).toEqual(['still', 'working']);
  });
});

describe('page selection and result formats', () => {
  async function threePageTiff(): Promise<Buffer> {
    const pages = await Promise.all(['Page one', 'Page two', 'Page three'].map((line) => renderText({ lines: [line] })));
    return sharp(pages, { join: { animated: true } }).tiff().toBuffer();
  }

  test('when pages are chosen, then load selects exactly those, in order and once each', async () => {
    const { jobId, source } = await store(await threePageTiff());

    const doc = await run(activityEnvironment(), fixture.activities.loadDocument, {
      jobId,
      source,
      pages: [{ from: 3, to: 3 }, { from: 1, to: 2 }, { from: 2, to: 2 }],
    });

    expect(doc).toMatchObject({ pageCount: 3, pages: [1, 2, 3] });
  });

  test('when a chosen page is beyond the document, then load fails for good with PAGE_OUT_OF_RANGE', async () => {
    const { jobId, source } = await store(await threePageTiff());

    const err = await expectFailure(
      run(activityEnvironment(), fixture.activities.loadDocument, { jobId, source, pages: [{ from: 2, to: 5 }] }),
      'PAGE_OUT_OF_RANGE',
      true,
    );
    expect(err.message).toContain('3 pages');
  });

  test('when more pages would be read than MAX_PAGES, then load fails for good with TOO_MANY_PAGES', async () => {
    const limited = createActivities({ ...depsOf(fixture), limits: { ...depsOf(fixture).limits, maxPages: 2 } });
    const { jobId, source } = await store(await threePageTiff());

    await expectFailure(run(activityEnvironment(), limited.loadDocument, { jobId, source }), 'TOO_MANY_PAGES', true);
    const chosen = await run(activityEnvironment(), limited.loadDocument, { jobId, source, pages: [{ from: 2, to: 3 }] });
    expect(chosen.pages).toEqual([2, 3]);
  });

  test('when hOCR and PDF are asked for, then the stored result has both, covering every page', async () => {
    const { jobId, source } = await store(await threePageTiff());
    const env = activityEnvironment();
    const outputs: OutputFormat[] = ['text', 'json', 'hocr', 'pdf'];
    const pages = [];
    for (const page of [1, 3]) {
      const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/tiff', page });
      pages.push(await run(env, fixture.activities.recognizePage, { jobId, page, image, languages: ['eng'], outputs }));
    }

    await run(env, fixture.activities.storeResult, { jobId, pages, outputs, pageErrors: [] });

    const hocr = (await fixture.blobs.get(jobKeys.resultHocr({ jobId }))).toString();
    expect(hocr).toContain('class="ocr_page" id="page_1"');
    expect(hocr).toContain('class="ocr_page" id="page_3"');
    expect(hocr).toMatch(/<span class="ocrx_word"[^>]*title="bbox \d+ \d+ \d+ \d+; x_wconf \d+">three<\/span>/i);
    const pdf = await PDFDocument.load(await fixture.blobs.get(jobKeys.resultPdf({ jobId })));
    expect(pdf.getPageCount()).toBe(2);
  });

  test('when only text is asked for, then no hOCR or PDF is made', async () => {
    const { jobId, source } = await store(await renderText({ lines: LINES }));
    const env = activityEnvironment();
    const image = await run(env, fixture.activities.preprocessPage, { jobId, source, mediaType: 'image/png', page: 1 });
    const page = await run(env, fixture.activities.recognizePage, { jobId, page: 1, image, languages: ['eng'], outputs: TEXT, pageErrors: [] });

    await run(env, fixture.activities.storeResult, { jobId, pages: [page], outputs: TEXT, pageErrors: [] });

    expect(await fixture.blobs.exists(jobKeys.resultHocr({ jobId }))).toBe(false);
    expect(await fixture.blobs.exists(jobKeys.resultPdf({ jobId }))).toBe(false);
    expect(await fixture.blobs.exists(jobKeys.pagePdf({ jobId }, RUN_ID, 1))).toBe(false);
  });
});
