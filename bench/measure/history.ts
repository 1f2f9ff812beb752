// 10. History: how a job's workflow history grows with its pages, read from Temporal (length
// and size of each history), for a document read in one workflow and one read in batches
// (child workflows of PAGE_BATCH_SIZE pages). Temporal warns at 10 240 events or 10 MB and
// ends a workflow at 50 000 events or 50 MB.
import { DEFAULT_PAGE_BATCH_SIZE, MAX_PAGE_BATCH_SIZE, pageBatchWorkflowId } from '../../src/shared/pageBatches';
import { quickPagesPdf } from '../../test/helpers/images';
import { submitAndWait } from '../lib/jobs';
import { startStack } from '../lib/stack';
import { round } from '../lib/stats';

export async function historyGrowth(sizes: number[], batched: number) {
  const stack = await startStack({ workers: 1, poolSize: 2 });
  try {
    const describe = async (workflowId: string) => {
      const { historyLength, historySize = 0 } = await stack.client.workflow.getHandle(workflowId).describe();
      return { events: historyLength, kiB: round(historySize / 1024, 1) };
    };
    const rows = [];
    for (const pages of sizes) {
      const job = await submitAndWait(stack.api, await quickPagesPdf(pages), 'application/pdf', 30);
      rows.push({ pages, status: job.status, ...(await describe(job.jobId)) });
    }
    const [small, large] = [rows[0]!, rows.at(-1)!];
    const eventsPerPage = (large.events - small.events) / (large.pages - small.pages);
    const kiBPerPage = (large.kiB - small.kiB) / (large.pages - small.pages);

    // A document of several batches: the job's own history and its largest batch's.
    const job = await submitAndWait(stack.api, await quickPagesPdf(batched), 'application/pdf', 30);
    const batchIds = Array.from({ length: Math.ceil(batched / DEFAULT_PAGE_BATCH_SIZE) }, (_, i) => pageBatchWorkflowId(job.jobId, i + 1));
    const batches = await Promise.all(batchIds.map(describe));
    const largest = batches.reduce((a, b) => (b.events > a.events ? b : a));
    const batchEventsPerPage = largest.events / DEFAULT_PAGE_BATCH_SIZE;
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
      batched: [
        {
          pages: batched,
          status: job.status,
          batches: batches.length,
          jobEvents: (await describe(job.jobId)).events,
          jobKiB: (await describe(job.jobId)).kiB,
          largestBatchEvents: largest.events,
          largestBatchKiB: largest.kiB,
          batchEventsPerPage: round(batchEventsPerPage, 1),
          eventsAtMaxBatchSize: Math.round(batchEventsPerPage * MAX_PAGE_BATCH_SIZE),
        },
      ],
    };
  } finally {
    await stack.stop();
  }
}
