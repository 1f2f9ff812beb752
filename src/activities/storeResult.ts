import { hocr } from '../ocr/hocr';
import { PdfMerger } from '../ocr/pdf';
import { JobErrorCode } from '../shared/errorCodes';
import type { JobRef, PageError, PageSummary } from '../shared/jobs';
import type { StoreResultInput, StoredResult } from '../shared/steps';
import { jobKeys, type BlobStore, type BlobWriter } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { pageSummary, type StoredPage } from './pageResult';
import { currentRunId } from './run';
import { storage } from './failures';
import { runStep } from './step';
import { inStage } from '../tracing/stages';

/** Separates pages in the text output, as Tesseract's own text renderer does. */
export const PAGE_SEPARATOR = '\f';

/** What `GET /jobs/{id}` shows of a finished job (`jobs/{id}/result/summary.json`). */
export interface ResultSummary {
  text: string;
  confidence: number;
  characters: number;
  engine: string;
  pages: Array<PageSummary & { text: string }>;
  pageErrors: PageError[];
}

/**
 * Step `store`: join the page results into the job's result files. Pages are read and
 * written one at a time, so a job of many pages is never held in memory whole (the
 * searchable PDF excepted: it is built in memory, one page's file at a time), and the step
 * heartbeats as it goes. Idempotent: it only reads page results and replaces its own
 * outputs, so a retry rewrites the same files.
 */
export function storeResultActivity(deps: ActivityDeps) {
  return async function storeResult(input: StoreResultInput): Promise<StoredResult> {
    const { jobId, tenant, outputs } = input;
    const runId = currentRunId();
    let joined = 0;
    let of = input.pages.length;
    const spec = {
      step: 'store' as const,
      jobId,
      unexpected: JobErrorCode.STORAGE_FAILED,
      heartbeatIntervalMs: deps.heartbeatIntervalMs,
      progress: () => ({ pages: joined, of }),
    };
    return runStep(spec, () => inStage('store', { 'ocr.pages': input.pages.length, 'ocr.outputs': outputs.join(',') }, async () => {
      const { pages, pageErrors } = input.pagesOfRun
        ? await storage('listing the pages read', () => pagesOfRun(deps.blobs, { jobId, tenant }, runId, input.pageErrors))
        : input;
      of = pages.length;
      // A job read in batches whose deadline passed before any page was read has nothing to store.
      if (input.pagesOfRun && pages.length === 0) return { resultKey: '', confidence: 0, characters: 0, engine: deps.engineName([]), pageCount: 0 };
      const ordered = [...pages].sort((a, b) => a.page - b.page);
      const readStored = async (key: string) => JSON.parse((await deps.blobs.get(key)).toString('utf8')) as StoredPage;
      // The first pages are read before the result files are opened, for the engine that read
      // them (only a blank page names none); the loop below takes them from here.
      const first = new Map<string, StoredPage>();
      for (const { resultKey } of ordered.slice(0, ENGINE_LOOKAHEAD)) first.set(resultKey, await readStored(resultKey));
      const engine = jobEngine(deps, [...first.values()]);
      const files = await ResultFiles.open(deps.blobs, { jobId, tenant }, outputs, engine);
      try {
        const summaries: ResultSummary['pages'] = [];
        const texts: string[] = [];
        for (const [index, page] of ordered.entries()) {
          const stored = first.get(page.resultKey) ?? (await readStored(page.resultKey));
          first.delete(page.resultKey);
          const pdf = outputs.includes('pdf') ? await deps.blobs.get(jobKeys.pagePdf({ jobId, tenant }, runId, page.page)) : null;
          await files.addPage(stored, index, pdf);
          summaries.push({ ...pageSummary(stored), text: stored.text });
          texts.push(stored.text);
          joined += 1;
        }
        const text = texts.join(PAGE_SEPARATOR);
        const totalWords = summaries.reduce((sum, page) => sum + page.words, 0);
        const confidence = totalWords
          ? round(summaries.reduce((sum, page) => sum + page.confidence * page.words, 0) / totalWords)
          : 0;
        await files.finish(confidence, pageErrors);
        // The summary is written last: its presence means the whole result is stored.
        const summary: ResultSummary = { text, confidence, characters: text.trim().length, engine, pages: summaries, pageErrors };
        const resultKey = jobKeys.resultSummary({ jobId, tenant });
        await deps.blobs.put(resultKey, JSON.stringify(summary));
        // Page images only feed recognition, which is over for every page.
        await deps.blobs.deletePrefix(jobKeys.pageImages({ jobId, tenant }, runId));
        return { resultKey, confidence, characters: summary.characters, engine, pageCount: pages.length };
      } catch (err) {
        await files.abort();
        throw err;
      }
    }));
  };
}

/**
 * What a run read in batches: every page result it stored, and the page errors of its
 * batches with those the job passed (a page counted once, by its number).
 */
async function pagesOfRun(
  blobs: BlobStore,
  job: JobRef,
  runId: string,
  passed: PageError[],
): Promise<{ pages: Array<{ page: number; resultKey: string }>; pageErrors: PageError[] }> {
  const pages = (await blobs.list(jobKeys.pageResults(job, runId)))
    .map((name) => /^(\d+)\.json$/.exec(name)?.[1])
    .filter((page): page is string => page !== undefined)
    .map((page) => ({ page: Number(page), resultKey: jobKeys.pageResult(job, runId, Number(page)) }));
  const errors = new Map(passed.map((error) => [error.page, error]));
  for (const name of await blobs.list(jobKeys.batchErrorsDir(job, runId))) {
    const batch = /^(\d+)\.json$/.exec(name)?.[1];
    if (batch === undefined) continue;
    const kept = JSON.parse((await blobs.get(jobKeys.batchErrors(job, runId, Number(batch)))).toString('utf8')) as PageError[];
    for (const error of kept) errors.set(error.page, error);
  }
  const read = new Set(pages.map(({ page }) => page));
  const pageErrors = [...errors.values()].filter(({ page }) => !read.has(page)).sort((a, b) => a.page - b.page);
  return { pages, pageErrors };
}

/** The engine named by the first of the job's pages an engine read, else the one this worker would use. */
function jobEngine(deps: ActivityDeps, pages: StoredPage[]): string {
  return pages.find((page) => page.engine)?.engine ?? deps.engineName(pages.at(-1)?.languages ?? []);
}

/** Pages looked at for the job's engine: only a blank page names none, so a few are enough. */
const ENGINE_LOOKAHEAD = 4;

/** The result files of one job, written page by page. */
class ResultFiles {
  private constructor(
    private readonly blobs: BlobStore,
    private readonly job: JobRef,
    private readonly text: BlobWriter,
    private readonly document: BlobWriter,
    private readonly hocr: BlobWriter | null,
    private readonly pdf: PdfMerger | null,
  ) {}

  static async open(blobs: BlobStore, job: JobRef, outputs: readonly string[], engine: string): Promise<ResultFiles> {
    const text = await blobs.writer(jobKeys.resultText(job));
    const document = await blobs.writer(jobKeys.resultDocument(job));
    await document.write(`{"jobId":${JSON.stringify(job.jobId)},"engine":${JSON.stringify(engine)},"pages":[`);
    const hocrWriter = outputs.includes('hocr') ? await blobs.writer(jobKeys.resultHocr(job)) : null;
    await hocrWriter?.write(hocr.head(engine));
    const pdf = outputs.includes('pdf') ? await PdfMerger.create(`OCR result ${job.jobId}`) : null;
    return new ResultFiles(blobs, job, text, document, hocrWriter, pdf);
  }

  async addPage(page: StoredPage, index: number, pdf: Buffer | null): Promise<void> {
    const separator = index === 0 ? '' : PAGE_SEPARATOR;
    await this.text.write(separator + page.text);
    // Which run read the page is the service's own business.
    const { runId: _run, sourceSha256: _source, ...published } = page;
    await this.document.write((index === 0 ? '' : ',') + JSON.stringify(published));
    await this.hocr?.write(hocr.page(page));
    if (pdf) await this.pdf?.add(pdf);
  }

  async finish(confidence: number, pageErrors: PageError[]): Promise<void> {
    await this.document.write(`],"pageErrors":${JSON.stringify(pageErrors)},"confidence":${confidence}}`);
    await this.hocr?.write(hocr.tail());
    await this.text.commit();
    await this.document.commit();
    await this.hocr?.commit();
    if (this.pdf) await this.blobs.put(jobKeys.resultPdf(this.job), Buffer.from(await this.pdf.save()));
  }

  async abort(): Promise<void> {
    await Promise.all([this.text.abort(), this.document.abort(), this.hocr?.abort()]);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
