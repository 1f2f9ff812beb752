// 10. History: how a job's workflow history grows with its pages, read from Temporal (length
// and size of each job's history), and the page count at which it would reach Temporal's
// limits (50 000 events or 50 MB end a workflow; 10 240 events and 10 MB are where it warns).
import { quickPagesPdf } from '../../test/helpers/images';
import { submitAndWait } from '../lib/jobs';
import { startStack } from '../lib/stack';
import { round } from '../lib/stats';

export async function historyGrowth(sizes: number[]) {
  const stack = await startStack({ workers: 1, poolSize: 2 });
  try {
    const rows = [];
    for (const pages of sizes) {
      const job = await submitAndWait(stack.api, await quickPagesPdf(pages), 'application/pdf', 30);
      const { historyLength, historySize = 0 } = await stack.client.workflow.getHandle(job.jobId).describe();
      rows.push({ pages, status: job.status, events: historyLength, kiB: round(historySize / 1024, 1) });
    }
    const [small, large] = [rows[0]!, rows.at(-1)!];
    const eventsPerPage = (large.events - small.events) / (large.pages - small.pages);
    const kiBPerPage = (large.kiB - small.kiB) / (large.pages - small.pages);
    return {
      jobs: rows,
      perPage: [
        {
          events: round(eventsPerPage, 1),
          kiB: round(kiBPerPage, 2),
          pagesAt10kEvents: Math.floor(10_240 / eventsPerPage),
          pagesAt50kEvents: Math.floor(50_000 / eventsPerPage),
          pagesAt50MB: Math.floor((50 * 1024) / kiBPerPage),
        },
      ],
    };
  } finally {
    await stack.stop();
  }
}
