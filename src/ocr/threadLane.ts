import { Worker, type Transferable } from 'node:worker_threads';

/** A worker thread failed its task: it crashed, exited, or ran past its time limit and was ended. */
export class ThreadFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThreadFailure';
  }
}

export interface ThreadLaneOptions {
  /** Path of the thread's script. */
  script: string;
  /** Names the thread in errors: "page analysis", "PDF rendering". */
  name: string;
  /** Longest one task may take; the thread is then ended and the task fails. */
  timeoutMs: number;
}

interface Task {
  resolve: (response: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One worker thread that runs one task at a time. A task that runs past its time limit
 * ends the thread; a thread that crashes or exits fails only the task it was on. Either
 * way the next task gets a new thread.
 */
export class ThreadLane {
  private worker: Worker | null = null;
  private task: Task | null = null;

  constructor(private readonly options: ThreadLaneOptions) {}

  get busy(): boolean {
    return this.task !== null;
  }

  /** Posts `message` to the thread and resolves with the first message it sends back. */
  call<T>(message: unknown, transfer: Transferable[] = []): Promise<T> {
    if (this.task) return Promise.reject(new Error(`the ${this.options.name} thread is busy`));
    const worker = this.ensureWorker();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(worker, new ThreadFailure(`${this.options.name} took longer than ${this.options.timeoutMs} ms; its thread was ended`));
        void worker.terminate();
      }, this.options.timeoutMs);
      this.task = { resolve: resolve as (response: unknown) => void, reject, timer };
      worker.postMessage(message, transfer);
    });
  }

  /** Ends the thread (the next call starts a new one); a task under way fails. */
  async restart(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.fail(worker, new ThreadFailure(`the ${this.options.name} thread was stopped`));
    await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.script);
    worker.unref();
    worker.on('message', (response: unknown) => {
      if (this.worker !== worker || !this.task) return;
      const { resolve, timer } = this.task;
      clearTimeout(timer);
      this.task = null;
      resolve(response);
    });
    worker.on('error', (err) => this.fail(worker, new ThreadFailure(`the ${this.options.name} thread crashed: ${err.message}`)));
    worker.on('exit', (code) => this.fail(worker, new ThreadFailure(`the ${this.options.name} thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** Fails the task under way on `worker`, and forgets `worker`. */
  private fail(worker: Worker, err: ThreadFailure): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const task = this.task;
    this.task = null;
    if (!task) return;
    clearTimeout(task.timer);
    task.reject(err);
  }
}
