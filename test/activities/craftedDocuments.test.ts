// Documents that lie about their size or are built to hurt the decoder: each ends the job
// with the right error (the document's fault, not retried), before anything big is decoded.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { detectMediaType } from '../../src/ocr/mediaType';
import type { UploadSource } from '../../src/shared/schemas';
import { jobKeys } from '../../src/storage/blobStore';
import { cyclicPdf, hugeBmp, hugePng, hugeTiff, pdfPage } from '../helpers/craftedDocuments';
import { activityEnvironment, createOcrFixture, runActivity as run, type OcrFixture } from '../helpers/harness';

let fixture: OcrFixture;
let jobs = 0;

beforeAll(async () => {
  fixture = await createOcrFixture({ MAX_IMAGE_PIXELS: '50000000' });
});
afterAll(async () => {
  await fixture.close();
});

async function store(bytes: Buffer): Promise<{ jobId: string; source: UploadSource }> {
  const jobId = `crafted-${++jobs}`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const source: UploadSource = { kind: 'upload', key: jobKeys.source({ jobId }, sha256), sha256, bytes: bytes.length, mediaType: detectMediaType(bytes)! };
  await fixture.blobs.put(source.key, bytes);
  return { jobId, source };
}

async function failure(work: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await work.then(
    () => new Error('the step succeeded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('documents that declare giant pages', () => {
  test.each([
    ['BMP', hugeBmp(100_000, 100_000)],
    ['PNG', hugePng(100_000, 100_000)],
    ['TIFF', hugeTiff(100_000, 100_000)],
  ])('when a %s declares 100000 x 100000 pixels, then the load step refuses it with IMAGE_TOO_LARGE, for good', async (_kind, bytes) => {
    const { jobId, source } = await store(bytes);

    const err = await failure(run(activityEnvironment(), fixture.activities.loadDocument, { jobId, source }));

    expect(err).toMatchObject({ type: 'IMAGE_TOO_LARGE', nonRetryable: true });
  });

  test('when a PDF page is 200000 points square, then preparing it fails with IMAGE_TOO_LARGE, for good', async () => {
    const { jobId, source } = await store(pdfPage(200_000, 200_000));
    const doc = await run(activityEnvironment(), fixture.activities.loadDocument, { jobId, source });

    const err = await failure(run(activityEnvironment(), fixture.activities.preprocessPage, { jobId, source, mediaType: doc.mediaType, page: 1 }));

    expect(err).toMatchObject({ type: 'IMAGE_TOO_LARGE', nonRetryable: true });
    expect(err.message).toMatch(/even at 36 dpi/);
  });

  test('when a PDF page is very wide but fits the pixel limit at a lower resolution, then it is rendered at that resolution', async () => {
    const { jobId, source } = await store(pdfPage(20_000, 842));
    const doc = await run(activityEnvironment(), fixture.activities.loadDocument, { jobId, source });

    const page = await run(activityEnvironment(), fixture.activities.preprocessPage, { jobId, source, mediaType: doc.mediaType, page: 1 });

    expect(page.width).toBeGreaterThan(0);
  });
});

describe('damaged documents', () => {
  test('when a PDF page tree contains itself, then the job fails with CORRUPT_DOCUMENT, not a storage error, and is not retried', async () => {
    const { jobId, source } = await store(cyclicPdf());

    const err = await failure(
      (async () => {
        const doc = await run(activityEnvironment(), fixture.activities.loadDocument, { jobId, source });
        for (const page of doc.pages) await run(activityEnvironment(), fixture.activities.preprocessPage, { jobId, source, mediaType: doc.mediaType, page });
      })(),
    );

    expect(err).toMatchObject({ type: 'CORRUPT_DOCUMENT', nonRetryable: true });
  });
});
