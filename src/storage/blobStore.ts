import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { JobRef } from '../shared/jobs';

/** A key names a blob: slash-separated segments of letters, digits, `.`, `_` and `-`. */
const KEY_PATTERN = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`blob ${key} does not exist`);
    this.name = 'BlobNotFoundError';
  }
}

/**
 * Where documents, page images and results live. Workflow history only ever holds keys.
 * Writes are atomic and idempotent: writing a key twice leaves one complete blob.
 */
export interface BlobStore {
  put(key: string, data: Buffer | string): Promise<void>;
  /**
   * Writes a blob piece by piece, for outputs too large to hold in memory; nothing is seen
   * under `key` until `commit()`, and `abort()` leaves nothing behind.
   */
  writer(key: string): Promise<BlobWriter>;
  /** @throws BlobNotFoundError */
  get(key: string): Promise<Buffer>;
  /** The blob as a stream, with its size and an entity tag, for answers too large to buffer. @throws BlobNotFoundError */
  read(key: string): Promise<BlobStream>;
  exists(key: string): Promise<boolean>;
  /** Gives a blob another key, replacing what was there. @throws BlobNotFoundError */
  move(from: string, to: string): Promise<void>;
  /** Removes every blob whose key starts with `prefix/`. Missing prefixes are fine. */
  deletePrefix(prefix: string): Promise<void>;
  /** The names of the key segments right under `prefix/` (blobs and deeper prefixes alike). */
  list(prefix: string): Promise<string[]>;
  /**
   * Removes what sits right under `prefix/` unchanged since `before`: blobs, and writes left
   * unfinished by a process that died. @returns how many were removed
   */
  removeStale(prefix: string, before: Date): Promise<number>;
}

export interface BlobStream {
  body: Readable;
  bytes: number;
  /** Changes whenever the blob does; quoted, as an HTTP ETag. */
  etag: string;
}

export interface BlobWriter {
  write(chunk: Buffer | string): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A blob store on a local (or shared, e.g. NFS or a Docker volume) file system. */
export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async put(key: string, data: Buffer | string): Promise<void> {
    const writer = await this.writer(key);
    try {
      await writer.write(data);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    await writer.commit();
  }

  async writer(key: string): Promise<BlobWriter> {
    const file = this.fileOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Write aside, flush, then rename: readers see the old blob or the whole new one.
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, 'w');
    let isOpen = true;
    const close = async () => {
      if (!isOpen) return;
      isOpen = false;
      await handle.close();
    };
    return {
      write: async (chunk) => {
        await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      },
      commit: async () => {
        try {
          await handle.sync();
          await close();
          await rename(temp, file);
        } catch (err) {
          await close().catch(() => undefined);
          await rm(temp, { force: true });
          throw err;
        }
      },
      abort: async () => {
        await close().catch(() => undefined);
        await rm(temp, { force: true });
      },
    };
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.fileOf(key));
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key);
      throw err;
    }
  }

  async read(key: string): Promise<BlobStream> {
    const file = this.fileOf(key);
    // Opened before it is measured: a blob replaced meanwhile is read whole, old or new.
    const handle = await open(file, 'r').catch((err: unknown) => {
      throw isNotFound(err) ? new BlobNotFoundError(key) : err;
    });
    const info = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    const body = handle.createReadStream();
    return { body, bytes: info.size, etag: `"${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}-${info.ino.toString(36)}"` };
  }

  async exists(key: string): Promise<boolean> {
    try {
      const handle = await open(this.fileOf(key), 'r');
      await handle.close();
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.fileOf(to);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await rename(this.fileOf(from), target);
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(from);
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.fileOf(prefix), { recursive: true, force: true });
  }

  async list(prefix: string): Promise<string[]> {
    try {
      const names = await readdir(this.fileOf(prefix));
      // Writes in progress are not blobs yet.
      return names.filter((name) => !name.endsWith('.tmp')).sort();
    } catch (err) {
      if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw err;
    }
  }

  async removeStale(prefix: string, before: Date): Promise<number> {
    const folder = this.fileOf(prefix);
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names) {
      const file = path.join(folder, name);
      const modified = await stat(file).then((info) => info.mtimeMs, () => null);
      if (modified === null || modified >= before.getTime()) continue;
      await rm(file, { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  }

  private fileOf(key: string): string {
    return path.join(this.root, checkedKey(key));
  }
}

/** The key itself, once it is known to be one. @throws Error for anything else */
export function checkedKey(key: string): string {
  if (!KEY_PATTERN.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
  return key;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Where everything of a job lives: `jobs/{jobId}`, under `tenants/{tenant}/` for a tenant's job. */
function jobRoot({ jobId, tenant }: JobRef): string {
  return tenant === undefined ? `jobs/${jobId}` : `tenants/${tenant}/jobs/${jobId}`;
}

/**
 * Blob keys of one job; everything of a job lives under its root (see jobRoot). What one run
 * of its workflow works on (page images and page results) lives under `runs/{runId}/`, so a
 * run never takes another run's pages for its own, even under a reused job id.
 */
export const jobKeys = {
  root: (job: JobRef) => jobRoot(job),
  sources: (job: JobRef) => `${jobRoot(job)}/source`,
  source: (job: JobRef, sha256: string) => `${jobRoot(job)}/source/${sha256}`,
  runs: (job: JobRef) => `${jobRoot(job)}/runs`,
  run: (job: JobRef, runId: string) => `${jobRoot(job)}/runs/${runId}`,
  pageImages: (job: JobRef, runId: string) => `${jobRoot(job)}/runs/${runId}/images`,
  pageImage: (job: JobRef, runId: string, page: number) => `${jobRoot(job)}/runs/${runId}/images/${page}.png`,
  pageResult: (job: JobRef, runId: string, page: number) => `${jobRoot(job)}/runs/${runId}/pages/${page}.json`,
  pagePdf: (job: JobRef, runId: string, page: number) => `${jobRoot(job)}/runs/${runId}/pages/${page}.pdf`,
  pageResults: (job: JobRef, runId: string) => `${jobRoot(job)}/runs/${runId}/pages`,
  /** The page errors of one batch of a job's pages. */
  batchErrors: (job: JobRef, runId: string, batch: number) => `${jobRoot(job)}/runs/${runId}/errors/${batch}.json`,
  batchErrorsDir: (job: JobRef, runId: string) => `${jobRoot(job)}/runs/${runId}/errors`,
  result: (job: JobRef) => `${jobRoot(job)}/result`,
  resultSummary: (job: JobRef) => `${jobRoot(job)}/result/summary.json`,
  resultText: (job: JobRef) => `${jobRoot(job)}/result/text.txt`,
  resultDocument: (job: JobRef) => `${jobRoot(job)}/result/document.json`,
  resultHocr: (job: JobRef) => `${jobRoot(job)}/result/hocr.html`,
  resultPdf: (job: JobRef) => `${jobRoot(job)}/result/document.pdf`,
  /** Marks a deleted job, kept after Temporal forgets it. */
  tombstone: ({ jobId, tenant }: JobRef) => (tenant === undefined ? `deleted/${jobId}.json` : `tenants/${tenant}/deleted/${jobId}.json`),
};
