// The web console: send documents, follow their jobs live, read and download their results,
// cancel them, and browse recent jobs; asks for an API key when the server wants one.
import {
  api,
  apiJson,
  apiKey,
  ApiProblem,
  FILE_NAME_KEY,
  isFinished,
  KeyNeededError,
  type Job,
  type JobList,
  type JobStatus,
  type JobStep,
  type JobSummary,
  type OutputFormat,
  type ResultDocument,
  type StepError,
} from './api.js';
import { element } from './dom.js';
import { showResult } from './viewer.js';
import { followJob } from './watch.js';

/** What each step does, to say where a job is or where it failed. */
const STEP_WORDS: Record<JobStep, string> = {
  fetch: 'downloading the document',
  load: 'opening the document',
  preprocess: 'preparing the pages',
  recognize: 'reading the text',
  store: 'saving the results',
};

const STATUS_WORDS: Record<JobStatus, string> = {
  PENDING: 'waiting for a worker',
  PROCESSING: 'working',
  RETRYING: 'trying again',
  DONE: 'done',
  PARTIAL_SUCCESS: 'partly done',
  ERROR: 'failed',
  CANCELLED: 'cancelled',
};

const DOWNLOADS: readonly { format: OutputFormat; label: string; extension: string }[] = [
  { format: 'text', label: 'Text', extension: 'txt' },
  { format: 'json', label: 'JSON', extension: 'json' },
  { format: 'hocr', label: 'hOCR', extension: 'hocr.html' },
  { format: 'pdf', label: 'PDF', extension: 'pdf' },
];

const keySection = element<HTMLElement>('key-section');
const keyForm = element<HTMLFormElement>('key-form');
const keyInput = element<HTMLInputElement>('key-input');
const keyReason = element<HTMLElement>('key-reason');
const forgetKey = element<HTMLButtonElement>('forget-key');
const submitForm = element<HTMLFormElement>('submit-form');
const dropZone = element<HTMLElement>('drop-zone');
const fileInput = element<HTMLInputElement>('file-input');
const fileList = element<HTMLElement>('file-list');
const submitError = element<HTMLElement>('submit-error');
const jobsList = element<HTMLUListElement>('jobs');
const jobsEmpty = element<HTMLElement>('jobs-empty');
const jobTemplate = element<HTMLTemplateElement>('job-template');
const viewerTitle = element<HTMLElement>('viewer-title');
const recentStatus = element<HTMLSelectElement>('recent-status');
const recentRefresh = element<HTMLButtonElement>('recent-refresh');
const recentNote = element<HTMLElement>('recent-note');
const recentList = element<HTMLUListElement>('recent');
const recentMore = element<HTMLButtonElement>('recent-more');
const announcer = element<HTMLElement>('announcer');

/** Says something to screen readers through the page's polite live region. */
function announce(message: string): void {
  announcer.textContent = message;
}

/** An error in words a person can act on; a missing or refused key opens the key form instead. */
function report(err: unknown, where: HTMLElement): void {
  if (err instanceof KeyNeededError) {
    askForKey(err.message);
    where.textContent = err.message;
  } else if (err instanceof ApiProblem) {
    where.textContent = `${err.message} (${err.code})`;
  } else {
    where.textContent = `Something went wrong in the console: ${String(err)}`;
  }
}

// The API key.

function askForKey(reason: string): void {
  keyReason.textContent = reason;
  keySection.hidden = false;
  keyInput.focus();
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  apiKey.set(keyInput.value.trim());
  keyInput.value = '';
  keySection.hidden = true;
  forgetKey.hidden = false;
  announce('Key saved for this tab.');
  void loadRecent();
});

forgetKey.addEventListener('click', () => {
  apiKey.clear();
  forgetKey.hidden = true;
  recentList.replaceChildren();
  announce('Key forgotten.');
  void loadRecent();
});

// Jobs: each one a card with its progress, errors, actions and downloads.

/** The job on view in the result viewer, if any. */
let shownJobId: string | null = null;
const cards = new Map<string, JobCard>();

/** A job in the Jobs list: one sent from this page (with its file), or one opened from the recent jobs. */
class JobCard {
  private jobId: string | null = null;
  private announced = '';
  private result: ResultDocument | null = null;
  private readonly item: HTMLLIElement;
  private readonly status: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly percent: HTMLElement;
  private readonly step: HTMLElement;
  private readonly error: HTMLElement;
  private readonly show: HTMLButtonElement;
  private readonly cancel: HTMLButtonElement;
  private readonly downloads: HTMLElement;
  private readonly downloadList: HTMLUListElement;

  constructor(
    private readonly name: string,
    private readonly file: File | null,
  ) {
    this.item = (jobTemplate.content.firstElementChild as HTMLLIElement).cloneNode(true) as HTMLLIElement;
    const part = <T extends Element>(selector: string) => this.item.querySelector(selector) as T;
    part<HTMLElement>('.job-name').textContent = name;
    this.status = part('.job-status');
    this.progress = part('progress');
    this.progress.setAttribute('aria-label', `Progress of ${name}`);
    this.percent = part('.job-percent');
    this.step = part('.job-step');
    this.error = part('.job-error');
    this.show = part('.job-show');
    this.cancel = part('.job-cancel');
    this.downloads = part('.downloads');
    this.downloadList = part('.downloads ul');
    this.downloadList.setAttribute('aria-label', `Downloads of ${name}`);
    this.show.setAttribute('aria-label', `Show the result of ${name}`);
    this.cancel.setAttribute('aria-label', `Cancel ${name}`);
    this.show.addEventListener('click', () => void this.showResult(true));
    this.cancel.addEventListener('click', () => void this.requestCancel());
    this.status.textContent = file ? 'sending' : 'opening';
    jobsList.prepend(this.item);
    jobsEmpty.hidden = true;
  }

  /** Sends the file as a new job, then follows it. */
  async submit(languages: string[], outputs: string[]): Promise<void> {
    const form = new FormData();
    form.append('file', this.file!, this.name);
    form.append('languages', languages.join('+'));
    if (outputs.length > 0) form.append('outputs', outputs.join(','));
    // The name lets the recent jobs list say which file a job read (metadata values are up to 256 characters).
    form.append('metadata', JSON.stringify({ [FILE_NAME_KEY]: this.name.slice(0, 256) }));
    announce(`Sending ${this.name}.`);
    const job = await apiJson<Job>('/jobs', { method: 'POST', body: form });
    this.follow(job.jobId, false);
  }

  /**
   * Shows the job's state as it changes until it ends; then its result, when `showWhenDone`
   * or when no other result is on view.
   */
  follow(jobId: string, showWhenDone: boolean): void {
    this.jobId = jobId;
    this.item.dataset.jobId = jobId;
    cards.set(jobId, this);
    followJob(jobId, (job) => this.update(job)).then(
      (job) => {
        if (job.result && (showWhenDone || shownJobId === null)) void this.showResult(false);
        void loadRecent();
      },
      (err: unknown) => this.fail(err, 'unavailable'),
    );
  }

  fail(err: unknown, status: string): void {
    this.status.textContent = status;
    this.error.hidden = false;
    report(err, this.error);
  }

  focus(): void {
    this.item.tabIndex = -1;
    this.item.focus();
  }

  private update(job: Job): void {
    this.item.dataset.status = job.status;
    this.status.textContent = STATUS_WORDS[job.status];
    this.progress.value = job.progress;
    this.percent.textContent = `${job.progress} %`;
    this.step.textContent = stepWords(job);
    this.cancel.hidden = isFinished(job.status);
    this.show.hidden = !job.result;
    this.showError(job);
    if (isFinished(job.status)) this.showDownloads(job);
    const news = `${this.name}: ${STATUS_WORDS[job.status]}, ${job.progress} %.`;
    if (news !== this.announced) announce(news);
    this.announced = news;
  }

  private showError(job: Job): void {
    const failures: Node[] = [];
    if (job.error) failures.push(failure(job.error, 'The job failed'));
    if (job.pageErrors.length > 0) {
      const list = document.createElement('ul');
      list.append(...job.pageErrors.map((error) => listItem(failure(error, `Page ${error.page} could not be read`))));
      failures.push(list);
    }
    this.error.replaceChildren(...failures);
    this.error.hidden = failures.length === 0;
  }

  private showDownloads(job: Job): void {
    if (!job.result) return;
    const stem = this.name.replace(/\.[^.]*$/, '') || job.jobId;
    this.downloadList.replaceChildren(
      ...DOWNLOADS.filter(({ format }) => job.outputs.includes(format)).map(({ format, label, extension }) => {
        const link = document.createElement('a');
        link.href = `/jobs/${job.jobId}/result?format=${format}`;
        link.download = `${stem}-ocr.${extension}`;
        link.textContent = label;
        link.setAttribute('aria-label', `Download ${this.name} as ${label}`);
        // The download must carry the API key when there is one: fetched, then saved from memory.
        link.addEventListener('click', (event) => {
          event.preventDefault();
          void saveResult(link).catch((err: unknown) => {
            this.error.hidden = false;
            report(err, this.error);
          });
        });
        return listItem(link);
      }),
    );
    this.downloads.hidden = false;
  }

  /** Shows the result in the viewer; `focus` moves there too (when asked for with the Show button). */
  private async showResult(focus: boolean): Promise<void> {
    if (!this.jobId) return;
    try {
      this.result ??= await apiJson<ResultDocument>(`/jobs/${this.jobId}/result?format=json`);
      showResult(this.name, this.result, this.file);
      shownJobId = this.jobId;
      announce(`The result of ${this.name} is shown.`);
      if (focus) viewerTitle.focus();
    } catch (err) {
      this.error.hidden = false;
      report(err, this.error);
    }
  }

  private async requestCancel(): Promise<void> {
    if (!this.jobId) return;
    this.cancel.disabled = true;
    try {
      // The job's stream brings the CANCELLED state once the running steps have stopped.
      await api(`/jobs/${this.jobId}/cancel`, { method: 'POST' });
      announce(`Cancelling ${this.name}.`);
    } catch (err) {
      this.error.hidden = false;
      report(err, this.error);
    } finally {
      this.cancel.disabled = false;
    }
  }
}

/** Where a running job is, in words. */
function stepWords(job: Job): string {
  const read = `${job.pages.done} of ${job.pages.total} ${job.pages.total === 1 ? 'page' : 'pages'} read`;
  const pages = job.pages.total > 0 ? `, ${read}` : '';
  if (job.status === 'RETRYING' && job.retry) {
    const why = job.retry.lastError ? ` (${job.retry.lastError.message})` : '';
    const of = job.retry.maxAttempts > 0 ? ` of ${job.retry.maxAttempts}` : '';
    return `— ${STEP_WORDS[job.retry.step]} failed${why}; attempt ${job.retry.attempt}${of} comes next${pages}`;
  }
  if (job.status === 'PROCESSING' && job.step) return `— ${STEP_WORDS[job.step]}${pages}`;
  return isFinished(job.status) && job.pages.total > 0 ? `— ${read}` : '';
}

/** A job's or a page's error: what failed, in which step, and whether sending it again may help. */
function failure(error: StepError, what: string): HTMLElement {
  const text = document.createElement('p');
  const code = document.createElement('a');
  code.href = `/docs/errors#job-${error.code}`;
  code.textContent = error.code;
  const advice = error.retryable ? 'Sending it again later may work.' : 'Sending it again will not help: the document itself is the problem.';
  text.append(`${what} while ${STEP_WORDS[error.failedStep]} (step “${error.failedStep}”): ${error.message}. `, advice, ' Code: ', code, '.');
  return text;
}

function listItem(child: Node): HTMLLIElement {
  const item = document.createElement('li');
  item.append(child);
  return item;
}

/** Fetches a result (with the key) and saves it under the link's file name. */
async function saveResult(link: HTMLAnchorElement): Promise<void> {
  const blob = await (await api(link.href)).blob();
  const url = URL.createObjectURL(blob);
  const save = document.createElement('a');
  save.href = url;
  save.download = link.download;
  save.click();
  // The browser reads the blob after the click returns; let it finish first.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// Sending files.

const checked = (name: string) =>
  [...submitForm.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((input) => input.value);

function listChosenFiles(): void {
  const files = [...(fileInput.files ?? [])];
  fileList.textContent = files.length === 0 ? 'No files chosen.' : `${files.length} chosen: ${files.map((file) => file.name).join(', ')}`;
}

fileInput.addEventListener('change', listChosenFiles);
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('dragging');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('dragging');
  if (event.dataTransfer && event.dataTransfer.files.length > 0) {
    fileInput.files = event.dataTransfer.files;
    listChosenFiles();
  }
});
// A file dropped beside the drop zone would otherwise replace the console with itself.
document.addEventListener('dragover', (event) => event.preventDefault());
document.addEventListener('drop', (event) => event.preventDefault());

submitForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void submitFiles();
});

async function submitFiles(): Promise<void> {
  const files = [...(fileInput.files ?? [])];
  const languages = checked('language');
  const outputs = checked('output');
  submitError.textContent = '';
  if (languages.length === 0) {
    submitError.textContent = 'Choose at least one language.';
    return;
  }
  for (const file of files) {
    const card = new JobCard(file.name, file);
    try {
      await card.submit(languages, outputs);
    } catch (err) {
      card.fail(err, 'not sent');
      // Without a key every other file would be refused too: they stay chosen for after the key.
      if (err instanceof KeyNeededError) return;
    }
  }
  fileInput.value = '';
  listChosenFiles();
}

// Recent jobs.

let recentCursor: string | null = null;

async function loadRecent(older = false): Promise<void> {
  const query = new URLSearchParams({ limit: '20' });
  if (recentStatus.value) query.set('status', recentStatus.value);
  if (older && recentCursor) query.set('cursor', recentCursor);
  recentNote.textContent = 'Loading…';
  try {
    const list = await apiJson<JobList>(`/jobs?${query.toString()}`, { cache: 'no-store' });
    keySection.hidden = true;
    if (!older) recentList.replaceChildren();
    recentList.append(...list.items.map(recentItem));
    recentCursor = list.nextCursor;
    recentMore.hidden = recentCursor === null;
    recentNote.textContent = recentList.childElementCount === 0 ? 'No jobs yet.' : '';
  } catch (err) {
    report(err, recentNote);
  }
}

function recentItem(summary: JobSummary): HTMLLIElement {
  const name = summary.metadata?.[FILE_NAME_KEY] ?? `job ${summary.jobId.slice(0, 8)}`;
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'recent-open';
  const verb = document.createElement('span');
  verb.className = 'visually-hidden';
  verb.textContent = 'Open ';
  open.append(verb, name);
  open.addEventListener('click', () => openJob(summary.jobId, name));
  const status = document.createElement('span');
  status.className = 'recent-status';
  status.dataset.status = summary.status;
  status.textContent = `${STATUS_WORDS[summary.status]}${isFinished(summary.status) ? '' : `, ${summary.progress} %`}`;
  const created = document.createElement('time');
  created.dateTime = summary.createdAt;
  created.textContent = new Date(summary.createdAt).toLocaleString();
  const item = listItem(open);
  item.dataset.jobId = summary.jobId;
  item.append(' ', status, ' ', created);
  return item;
}

/** Opens a job from the recent list in the Jobs list (its result in the viewer once it has one). */
function openJob(jobId: string, name: string): void {
  const known = cards.get(jobId);
  if (known) {
    known.focus();
    return;
  }
  new JobCard(name, null).follow(jobId, true);
}

recentStatus.addEventListener('change', () => void loadRecent());
recentRefresh.addEventListener('click', () => void loadRecent());
recentMore.addEventListener('click', () => void loadRecent(true));

forgetKey.hidden = apiKey.get() === null;
listChosenFiles();
void loadRecent();
