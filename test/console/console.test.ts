// The web console in a real browser (the system's Chromium, driven by playwright-core) against
// the real API, an OCR worker and a Temporal dev server.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApp } from '../../src/api/app';
import { Authenticator } from '../../src/auth/authenticate';
import { hashApiKey, newApiKey } from '../../src/auth/tenantsFile';
import { loadConfig } from '../../src/config';
import { installedLanguages } from '../../src/ocr/languages';
import { PROJECT_ROOT } from '../../src/paths';
import { launchChromium } from '../helpers/chromium';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { renderText, wordRecall, words } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';
import { testLogger } from '../helpers/logger';

/** How long the page may take to show what a job does: OCR on a busy machine is slow, never stuck. */
const PAGE_WAIT_MS = 150_000;
const SCREENSHOT = path.join(PROJECT_ROOT, 'test-artifacts', 'console.png');
const key = newApiKey();

let harness: ApiHarness;
let browser: Browser;
/** The API open to everyone. */
let open: Listening;
/** The same service wanting an API key (tenant `acme`). */
let keyed: Listening;
let auth: Authenticator;
let context: BrowserContext | undefined;

beforeAll(async () => {
  [harness, browser] = await Promise.all([startApiHarness(), launchChromium()]);
  open = await listen(harness.app, harness.fixture.config);
  const tenantsFile = path.join(harness.fixture.dataDir, 'tenants.yaml');
  await writeFile(tenantsFile, `tenants:\n  - id: acme\n    keys: ["${hashApiKey(key)}"]\n`);
  const config = loadConfig({ ...harness.idleAppSettings, TEMPORAL_TASK_QUEUE: harness.fixture.config.temporal.taskQueue, TENANTS_FILE: tenantsFile });
  auth = await Authenticator.create(config, testLogger);
  const app = createApp({ config, client: harness.env.client, blobs: harness.fixture.blobs, logger: testLogger, languages: installedLanguages(), auth });
  keyed = await listen(app, config);
}, 240_000);
afterEach(async () => {
  await context?.close();
  context = undefined;
});
afterAll(async () => {
  await browser?.close();
  await open?.close();
  await keyed?.close();
  auth?.close();
  await harness?.stop();
});

async function newPage(viewport: { width: number; height: number }): Promise<Page> {
  context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_WAIT_MS);
  return page;
}

test('when a page image is sent from the console, then its progress reaches 100 %, its text and word boxes show, and its PDF downloads', async () => {
  const lines = ['Console invoice 4711', 'Total due 99 euros'];
  const png = await renderText({ lines });
  const page = await newPage({ width: 1280, height: 900 });
  const problems: string[] = [];
  const requested: string[] = [];
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) problems.push(message.text());
  });

  const landing = await page.goto(`${open.base}/`);
  await page.getByLabel('Drop images or PDFs here').setInputFiles({ name: 'invoice.png', mimeType: 'image/png', buffer: png });
  await page.getByLabel('hOCR').check();
  await page.getByLabel('Searchable PDF').check();
  await page.getByRole('button', { name: 'Read', exact: true }).click();
  const job = page.locator('#jobs .job').first();
  await job.locator('.job-percent', { hasText: '100 %' }).waitFor();
  const box = page.locator('#page-boxes rect.word').first();
  await box.waitFor();
  await box.hover();
  await page.locator('#word-info', { hasText: '% confident' }).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), job.getByRole('link', { name: 'Download invoice.png as PDF' }).click()]);
  const pdf = await readFile(await download.path());
  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  if (process.env.CONSOLE_SCREENSHOT) await copyFile(SCREENSHOT, path.resolve(PROJECT_ROOT, process.env.CONSOLE_SCREENSHOT));

  expect((await landing!.request().redirectedFrom()!.response())!.status()).toBe(302);
  expect(page.url()).toBe(`${open.base}/console/`);
  expect(landing!.headers()['content-security-policy']).toContain("script-src 'self'");
  expect(requested).toContainEqual(expect.stringMatching(/^\/jobs\/[\w-]+\/events$/));
  expect(await job.locator('.job-status').textContent()).toBe('done');
  expect(await job.locator('progress').getAttribute('value')).toBe('100');
  expect(wordRecall(words(lines.join(' ')), words(await page.locator('#page-text').innerText()))).toBeGreaterThanOrEqual(0.8);
  expect(await page.locator('#page-boxes rect.word').count()).toBeGreaterThanOrEqual(4);
  expect(await page.locator('#word-info').textContent()).toMatch(/^“.+”, \d+ % confident$/);
  expect(download.suggestedFilename()).toBe('invoice-ocr.pdf');
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(await job.getByRole('link').allTextContents()).toEqual(['Text', 'JSON', 'hOCR', 'PDF']);
  expect(problems).toEqual([]);
}, 300_000);

test('when the event stream cannot be had, then the console follows the job by polling it to its end', async () => {
  const page = await newPage({ width: 1280, height: 900 });
  const asked: string[] = [];
  page.on('request', (request) => asked.push(new URL(request.url()).pathname));
  await page.route(/\/jobs\/[\w-]+\/events$/, (route) => route.abort('connectionreset'));

  await page.goto(`${open.base}/console/`);
  await page.getByLabel('Drop images or PDFs here').setInputFiles({ name: 'memo.png', mimeType: 'image/png', buffer: await renderText({ lines: ['Memo'] }) });
  await page.getByRole('button', { name: 'Read', exact: true }).click();
  const job = page.locator('#jobs .job').first();
  await job.locator('.job-percent', { hasText: '100 %' }).waitFor();
  const jobId = await job.getAttribute('data-job-id');

  expect(asked).toContain(`/jobs/${jobId}/events`);
  expect(asked).toContain(`/jobs/${jobId}`);
  expect(await job.locator('.job-status').textContent()).toBe('done');
}, 300_000);

test('when the server needs an API key, then the console asks for one, refuses a wrong one, and with the right one lists the recent jobs', async () => {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await renderText({ lines: ['Receipt'] }))], { type: 'image/png' }), 'receipt.png');
  form.append('metadata', JSON.stringify({ fileName: 'receipt.png' }));
  const headers = { Authorization: `Bearer ${key}` };
  const { jobId } = (await (await fetch(`${keyed.base}/jobs`, { method: 'POST', body: form, headers })).json()) as { jobId: string };
  // The list comes from Temporal's visibility, which may take a moment to see a new job.
  await eventually(
    () => fetch(`${keyed.base}/jobs`, { headers }).then((res) => res.json() as Promise<{ items: { jobId: string }[] }>),
    (list) => list.items.some((item) => item.jobId === jobId),
  );
  const page = await newPage({ width: 375, height: 740 });

  await page.goto(`${keyed.base}/console/`);
  const keyInput = page.getByLabel('API key', { exact: true });
  await page.locator('#key-reason', { hasText: 'needs an API key' }).waitFor();
  const focusedFirst = await page.evaluate('document.activeElement.id');
  await keyInput.fill('ocr_not-a-key');
  await keyInput.press('Enter');
  await page.locator('#key-reason', { hasText: 'did not accept' }).waitFor();
  await keyInput.fill(key);
  await keyInput.press('Enter');
  const listed = page.locator(`#recent li[data-job-id="${jobId}"]`);
  await listed.waitFor();

  expect(focusedFirst).toBe('key-input');
  expect(await listed.getByRole('button').textContent()).toBe('Open receipt.png');
  expect(await page.locator('#key-section').isHidden()).toBe(true);
  expect(await page.evaluate("sessionStorage.getItem('ocr-jobs.apiKey')")).toBe(key);
  // Usable at phone width: nothing is wider than the screen.
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
}, 300_000);
