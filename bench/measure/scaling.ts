// 6. Scaling: pages per second with one and with two worker processes (one engine each).
import { benchPages } from '../lib/pages';
import { round } from '../lib/stats';
import { ourThroughput } from './throughput';

export async function scaling(pageCount: number) {
  const pages = await benchPages(pageCount);
  const one = await ourThroughput(pages, 1, 1);
  const two = await ourThroughput(pages, 2, 1);
  return {
    pages: pages.length,
    oneWorker: round(pages.length / one.seconds, 3),
    twoWorkers: round(pages.length / two.seconds, 3),
    speedup: round(one.seconds / two.seconds, 2),
  };
}
