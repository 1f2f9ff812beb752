// 5. Memory: the worker's peak resident memory over a 100-page PDF and over 200 one-page jobs.
import os from 'node:os';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { renderText } from '../../test/helpers/images';
import { PROSE, PROSE_B } from '../eval/texts';
import { submitAndWait } from '../lib/jobs';
import { peakRssMiB, startStack } from '../lib/stack';
import { round } from '../lib/stats';

async function pdfOf(pages: number): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.TimesRoman);
  const lines = [...PROSE, ...PROSE_B];
  for (let p = 0; p < pages; p++) {
    const page = pdf.addPage([595, 842]);
    for (let i = 0; i < 40; i++) page.drawText(lines[(p + i) % lines.length]!, { x: 60, y: 780 - i * 18, size: 11, font });
  }
  return Buffer.from(await pdf.save());
}

export async function memory(onePageJobs: number) {
  const cores = os.availableParallelism();
  const results: Record<string, unknown> = {};
  // A 20-page PDF first: if memory is bounded, 100 pages peak about as high.
  for (const pages of [20, 100]) {
    const stack = await startStack({ workers: 1, poolSize: cores });
    try {
      const idle = await peakRssMiB(stack.workers[0]!.pid);
      const job = await submitAndWait(stack.api, await pdfOf(pages), 'application/pdf', 30);
      results[`pdf${pages}`] = {
        status: job.status,
        pages: (job.body.pages as { done: number }).done,
        idlePeakMiB: round(idle),
        peakMiB: round(await peakRssMiB(stack.workers[0]!.pid)),
      };
    } finally {
      await stack.stop();
    }
  }
  {
    const stack = await startStack({ workers: 1, poolSize: cores });
    try {
      const page = await renderText({ lines: ['A one-page job among many', 'with two lines of text'] });
      let next = 0;
      const lane = async () => {
        while (next++ < onePageJobs) await submitAndWait(stack.api, page, 'image/png');
      };
      await Promise.all(Array.from({ length: cores * 2 }, lane));
      results.onePageJobs = { jobs: onePageJobs, peakMiB: round(await peakRssMiB(stack.workers[0]!.pid)) };
    } finally {
      await stack.stop();
    }
  }
  return results;
}
