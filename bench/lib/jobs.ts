// A client of the API, as users write them: submit, then poll (or wait), then read.
import { isTerminalStatus, type JobStatus } from '../../src/shared/jobs';

export interface FinishedJob {
  jobId: string;
  status: string;
  text: string;
  /** OCR time the worker measured for the job's pages (preprocess + recognise), ms. */
  ocrMs: number;
  body: Record<string, unknown>;
}

export async function submit(api: string, bytes: Buffer, contentType: string, headers: Record<string, string> = {}, options: Record<string, string> = {}) {
  const query = new URLSearchParams(options).toString();
  const res = await fetch(`${api}/jobs${query ? `?${query}` : ''}`, { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body: bytes });
  const body = (await res.json()) as Record<string, unknown> & { jobId: string; status: JobStatus };
  return { status: res.status, body, retryAfter: Number(res.headers.get('retry-after') ?? 1), location: res.headers.get('location') };
}

function finishedJob(body: Record<string, unknown>): FinishedJob {
  const result = body.result as { text: string; pages: Array<{ preprocessMs: number; recognizeMs: number }> } | null;
  return {
    jobId: body.jobId as string,
    status: body.status as string,
    text: result?.text ?? '',
    ocrMs: (result?.pages ?? []).reduce((sum, page) => sum + page.preprocessMs + page.recognizeMs, 0),
    body,
  };
}

/** Polls a job, sleeping what each answer's Retry-After says, until it has finished. */
export async function pollUntilDone(api: string, jobId: string, firstWaitSeconds: number): Promise<FinishedJob> {
  let wait = firstWaitSeconds;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    const res = await fetch(`${api}/jobs/${jobId}`);
    const body = (await res.json()) as Record<string, unknown>;
    if (isTerminalStatus(body.status as JobStatus)) return finishedJob(body);
    wait = Number(res.headers.get('retry-after') ?? 1);
  }
}

/** Submits with `Prefer: wait=N` and, if the answer is not final yet, waits again on the job. */
export async function submitAndWait(api: string, bytes: Buffer, contentType: string, seconds = 30): Promise<FinishedJob> {
  const { body } = await submit(api, bytes, contentType, { Prefer: `wait=${seconds}` });
  if (isTerminalStatus(body.status)) return finishedJob(body);
  return pollUntilDone(api, body.jobId, 0.2);
}
