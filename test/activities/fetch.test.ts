import { ApplicationFailure } from '@temporalio/activity';
import { createActivities } from '../../src/activities';
import { createOcrFixture, activityEnvironment, depsOf, runActivity, type OcrFixture } from '../helpers/harness';
import { startFileServer, serve } from '../helpers/httpServer';
import { renderText } from '../helpers/images';

let fixture: OcrFixture;
let server: Awaited<ReturnType<typeof startFileServer>>;
let png: Buffer;
let jobCounter = 0;

beforeAll(async () => {
  fixture = await createOcrFixture({ SOURCE_URL_ALLOWLIST: '127.0.0.1' });
  png = await renderText({ lines: ['Fetched from a URL'] });
  server = await startFileServer({
    '/scan.png': serve(png),
    '/scan-no-type': (_req, res) => res.writeHead(200).end(png),
    '/page.html': serve('<html>not a scan</html>', 'text/html'),
    '/lying.png': serve('plain text, not a picture', 'image/png'),
    '/moved': (_req, res) => res.writeHead(302, { location: '/scan.png' }).end(),
    '/to-metadata': (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    '/broken': (_req, res) => res.writeHead(500).end('oops'),
  });
});
afterAll(async () => {
  await server?.close();
  await fixture?.close();
});

function fetchSource(url: string, activities = fixture.activities) {
  return runActivity(activityEnvironment(), activities.fetchSource, { jobId: `fetch-${++jobCounter}`, source: { kind: 'url', url } });
}

async function expectFailure(work: Promise<unknown>, type: string, nonRetryable: boolean): Promise<void> {
  const err = await work.then(
    () => new Error('expected the fetch to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type, nonRetryable });
}

describe('fetchSource', () => {
  test('when the URL serves an image, then it is stored like an upload', async () => {
    const source = await fetchSource(server.url('/scan.png'));

    expect(source).toMatchObject({ kind: 'upload', bytes: png.length, mediaType: 'image/png' });
    expect(await fixture.blobs.get(source.key)).toEqual(png);
  });

  test('when the URL redirects within allowed addresses, or serves no content type, then the document is fetched', async () => {
    expect((await fetchSource(server.url('/moved'))).bytes).toBe(png.length);
    expect((await fetchSource(server.url('/scan-no-type'))).mediaType).toBe('image/png');
  });

  test('when the address is private and not allow-listed, then the fetch is refused for good with SOURCE_FORBIDDEN', async () => {
    const strict = createActivities({ ...depsOf(fixture), sourceFetch: { ...depsOf(fixture).sourceFetch, allowList: [] } });

    await expectFailure(fetchSource(server.url('/scan.png'), strict), 'SOURCE_FORBIDDEN', true);
    await expectFailure(fetchSource('http://10.0.0.1/scan.png', strict), 'SOURCE_FORBIDDEN', true);
    await expectFailure(fetchSource('http://[::1]:9/scan.png', strict), 'SOURCE_FORBIDDEN', true);
    await expectFailure(fetchSource('http://localhost:9/scan.png', strict), 'SOURCE_FORBIDDEN', true);
  });

  test('when an allowed URL redirects to a link-local address, then the fetch is refused with SOURCE_FORBIDDEN', async () => {
    await expectFailure(fetchSource(server.url('/to-metadata')), 'SOURCE_FORBIDDEN', true);
  });

  test('when the server fails or the path is missing, then the fetch fails with a retryable SOURCE_UNAVAILABLE', async () => {
    await expectFailure(fetchSource(server.url('/broken')), 'SOURCE_UNAVAILABLE', false);
    await expectFailure(fetchSource(server.url('/missing')), 'SOURCE_UNAVAILABLE', false);
  });

  test('when nothing listens at the address, then the fetch fails with a retryable SOURCE_UNAVAILABLE', async () => {
    await expectFailure(fetchSource('http://127.0.0.1:9/scan.png'), 'SOURCE_UNAVAILABLE', false);
  });

  test('when the URL serves a web page or bytes that are no document, then UNSUPPORTED_MEDIA_TYPE for good', async () => {
    await expectFailure(fetchSource(server.url('/page.html')), 'UNSUPPORTED_MEDIA_TYPE', true);
    await expectFailure(fetchSource(server.url('/lying.png')), 'UNSUPPORTED_MEDIA_TYPE', true);
  });

  test('when the document is larger than the limit, then SOURCE_TOO_LARGE for good', async () => {
    const small = createActivities({ ...depsOf(fixture), sourceFetch: { ...depsOf(fixture).sourceFetch, maxBytes: 100 } });

    await expectFailure(fetchSource(server.url('/scan.png'), small), 'SOURCE_TOO_LARGE', true);
    await expectFailure(fetchSource(server.url('/scan-no-type'), small), 'SOURCE_TOO_LARGE', true);
  });
});
