import { OCR_ENGINE } from '../ocr/engine';
import { renderHocr } from '../ocr/hocr';
import { mergePdfs } from '../ocr/pdf';
import { JobErrorCode } from '../shared/errorCodes';
import type { PageError, PageSummary } from '../shared/jobs';
import type { StoreResultInput, StoredResult } from '../shared/steps';
import { jobKeys } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { withErrorCode } from './failures';
import { pageSummary, type StoredPage } from './pageResult';
import { currentRunId } from './run';

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
 * Step `store`: join the page results into the job's result files. Idempotent: it only
 * reads page results and overwrites its own outputs, so a retry rewrites the same files.
 */
export function storeResultActivity(deps: ActivityDeps) {
  return async function storeResult({ jobId, pages, outputs, pageErrors }: StoreResultInput): Promise<StoredResult> {
    const runId = currentRunId();
    return withErrorCode(JobErrorCode.STORAGE_FAILED, async () => {
      const ordered = [...pages].sort((a, b) => a.page - b.page);
      const stored = await Promise.all(
        ordered.map(async (page) => JSON.parse((await deps.blobs.get(page.resultKey)).toString('utf8')) as StoredPage),
      );
      const text = stored.map((page) => page.text).join(PAGE_SEPARATOR);
      const summaries = stored.map(pageSummary);
      const totalWords = summaries.reduce((sum, page) => sum + page.words, 0);
      const confidence = totalWords
        ? round(summaries.reduce((sum, page) => sum + page.confidence * page.words, 0) / totalWords)
        : 0;
      const summary: ResultSummary = {
        text,
        confidence,
        characters: text.trim().length,
        engine: OCR_ENGINE,
        pages: summaries.map((page, i) => ({ ...page, text: stored[i]!.text })),
        pageErrors,
      };
      await deps.blobs.put(jobKeys.resultText(jobId), text);
      await deps.blobs.put(
        jobKeys.resultDocument(jobId),
        JSON.stringify({ jobId, confidence, engine: OCR_ENGINE, pages: stored, pageErrors }),
      );
      if (outputs.includes('hocr')) {
        await deps.blobs.put(jobKeys.resultHocr(jobId), renderHocr(stored, OCR_ENGINE));
      }
      if (outputs.includes('pdf')) {
        const pagePdfs = await Promise.all(ordered.map((page) => deps.blobs.get(jobKeys.pagePdf(jobId, runId, page.page))));
        await deps.blobs.put(jobKeys.resultPdf(jobId), Buffer.from(await mergePdfs(pagePdfs, `OCR result ${jobId}`)));
      }
      // The summary is written last: its presence means the whole result is stored.
      const resultKey = jobKeys.resultSummary(jobId);
      await deps.blobs.put(resultKey, JSON.stringify(summary));
      // Page images only feed recognition, which is over for every page.
      await deps.blobs.deletePrefix(jobKeys.pageImages(jobId, runId));
      return { resultKey, confidence, characters: summary.characters, engine: OCR_ENGINE };
    });
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
