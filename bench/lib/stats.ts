// Summaries of repeated measurements: medians and percentiles, never single runs.

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: number[]) => percentile(values, 50);

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Runs `measure` `times` times and returns the run whose `key` is the median. */
export async function medianRun<T>(times: number, measure: () => Promise<T>, key: (run: T) => number): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < times; i++) runs.push(await measure());
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor(sorted.length / 2)]!;
}
