// The console's side of the HTTP API: the caller's key, requests that carry it, error answers
// as readable errors, and the parts of the API's bodies the console reads (see src/api/schemas.ts).

export type JobStatus = 'PENDING' | 'PROCESSING' | 'RETRYING' | 'DONE' | 'PARTIAL_SUCCESS' | 'ERROR' | 'CANCELLED';
export type JobStep = 'fetch' | 'load' | 'preprocess' | 'recognize' | 'store';
export type OutputFormat = 'text' | 'json' | 'hocr' | 'pdf';

export interface StepError {
  code: string;
  message: string;
  retryable: boolean;
  failedStep: JobStep;
}

export interface Job {
  jobId: string;
  status: JobStatus;
  progress: number;
  step: JobStep | null;
  retry: { step: JobStep; attempt: number; maxAttempts: number; lastError: { code: string; message: string } | null } | null;
  pages: { total: number; done: number; failed: number };
  metadata: Record<string, string> | null;
  outputs: OutputFormat[];
  /** Set once the job has a result (DONE, PARTIAL_SUCCESS, or a JOB_TIMEOUT that kept the pages read). */
  result: { pageCount: number } | null;
  error: StepError | null;
  pageErrors: (StepError & { page: number })[];
}

export interface JobSummary {
  jobId: string;
  status: JobStatus;
  progress: number;
  createdAt: string;
  metadata: Record<string, string> | null;
}

export interface JobList {
  items: JobSummary[];
  nextCursor: string | null;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Word {
  text: string;
  confidence: number;
  bbox: Box;
}

/** `GET /jobs/{id}/result?format=json`: pages → blocks → lines → words, boxes in pixels of the page as sent. */
export interface ResultDocument {
  pages: {
    page: number;
    width: number;
    height: number;
    text: string;
    blocks: { lines: { words: Word[] }[] }[];
  }[];
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(['DONE', 'PARTIAL_SUCCESS', 'ERROR', 'CANCELLED']);
export const isFinished = (status: JobStatus): boolean => TERMINAL.has(status);

/** Where the metadata of jobs sent from the console keeps the file's name, for the recent jobs list. */
export const FILE_NAME_KEY = 'fileName';

const KEY_STORAGE = 'ocr-jobs.apiKey';

/** The API key of this tab: kept in session storage, so it is gone when the tab closes. */
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  clear: (): void => sessionStorage.removeItem(KEY_STORAGE),
};

/** The API wants a (valid) key: the console asks for one. */
export class KeyNeededError extends Error {}

/** An error answer of the API (its problem details), or no answer at all (`status` 0). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }

  /** A failure that trying again later may mend: no answer, or the server's own trouble. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

/**
 * Calls the API with the tab's key, if any.
 * @throws KeyNeededError on a 401 that asks for a bearer credential; ApiProblem on other errors.
 */
export async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = apiKey.get();
  if (key) headers.set('Authorization', `Bearer ${key}`);
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiProblem(0, 'UNREACHABLE', 'the API could not be reached; check the connection and try again');
  }
  if (res.ok) return res;
  if (res.status === 401 && /^Bearer\b/i.test(res.headers.get('WWW-Authenticate') ?? '')) {
    throw new KeyNeededError(key ? 'The API did not accept that key (unknown or revoked). Enter another one.' : 'This server needs an API key.');
  }
  const problem = (await res.json().catch(() => null)) as { code?: string; detail?: string; title?: string } | null;
  throw new ApiProblem(res.status, problem?.code ?? `HTTP_${res.status}`, problem?.detail ?? problem?.title ?? `the API answered ${res.status}`);
}

/** Reads a JSON answer of the API. */
export async function apiJson<T>(path: string, init?: RequestInit): Promise<T> {
  return (await api(path, init)).json() as Promise<T>;
}
