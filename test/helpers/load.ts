// Many jobs at once, submitted and followed as a careful client does: every submit carries an
// Idempotency-Key, `429`/`503` answers are retried after their Retry-After, and a broken
// connection is retried with the same key. Shared by the chaos run in `npm test` and
// `npm run bench -- load`.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { isTerminalStatus, type JobStatus } from '../../src/shared/jobs';

export interface Submitted {
  /** Job ids in submit order, one per key. */
  jobIds: string[];
  /** How many answers of each kind the submits got (`202`, `200`, `429`, `503`, `network`). */
  answers: Record<string, number>;
}

/**
 * Submits `count` copies of `document`, `concurrency` at a time, each under its own key, and
 * retries each until the API accepts it. Throws on any other answer: nothing may be lost.
 */
export async function submitMany(api: string, document: Buffer, contentType: string, count: number, concurrency = 100): Promise<Submitted> {
  const run = randomUUID();
  const jobIds: string[] = new Array<string>(count);
  const answers: Record<string, number> = {};
  const note = (answer: string) => {
    answers[answer] = (answers[answer] ?? 0) + 1;
  };
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < count; index = next++) {
      for (;;) {
        let res: Response;
        try {
          res = await fetch(`${api}/jobs`, {
            method: 'POST',
            headers: { 'Content-Type': contentType, 'Idempotency-Key': `${run}-${index}` },
            body: document,
          });
        } catch {
          note('network');
          await pause(1);
          continue;
        }
        note(String(res.status));
        if (res.status === 202 || res.status === 200) {
          jobIds[index] = ((await res.json()) as { jobId: string }).jobId;
          break;
        }
        const body = await res.text();
        if (res.status !== 429 && res.status !== 503) throw new Error(`submit ${index} answered ${res.status}: ${body}`);
        await pause(Number(res.headers.get('retry-after') ?? 1));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { jobIds, answers };
}

export interface JobOutcome {
  jobId: string;
  status: JobStatus;
  body: Record<string, unknown>;
}

/** Reads every job until each has finished, retrying reads Temporal or the API cannot answer yet. */
export async function awaitAll(api: string, jobIds: readonly string[], timeoutMs: number): Promise<JobOutcome[]> {
  const deadline = Date.now() + timeoutMs;
  const finished = new Map<string, JobOutcome>();
  while (finished.size < jobIds.length) {
    if (Date.now() > deadline) throw new Error(`${jobIds.length - finished.size} of ${jobIds.length} jobs had not finished within ${timeoutMs} ms`);
    const pending = jobIds.filter((jobId) => !finished.has(jobId));
    let index = 0;
    await Promise.all(
      Array.from({ length: Math.min(20, pending.length) }, async () => {
        for (let i = index++; i < pending.length; i = index++) {
          const jobId = pending[i]!;
          const body = await fetch(`${api}/jobs/${jobId}`).then(
            (res) => (res.ok ? (res.json() as Promise<Record<string, unknown>>) : null),
            () => null,
          );
          if (body && isTerminalStatus(body.status as JobStatus)) finished.set(jobId, { jobId, status: body.status as JobStatus, body });
        }
      }),
    );
    if (finished.size < jobIds.length) await pause(0.5);
  }
  return jobIds.map((jobId) => finished.get(jobId)!);
}

/** How many job workflows (runs) Temporal's visibility holds for each workflow id. */
export async function runsPerJob(client: Client): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  for await (const execution of client.workflow.list({ query: `WorkflowType = 'ocrJobWorkflow'` })) {
    runs.set(execution.workflowId, (runs.get(execution.workflowId) ?? 0) + 1);
  }
  return runs;
}

const pause = (seconds: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0.05, seconds) * 1000));
