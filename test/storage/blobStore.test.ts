// The blob store contract, run against both implementations: files under a folder, and an
// S3 bucket on a real S3-compatible server (SeaweedFS).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BlobNotFoundError, FsBlobStore, type BlobStore } from '../../src/storage/blobStore';
import { BlobStoreSetupError, S3BlobStore } from '../../src/storage/s3BlobStore';
import { startSeaweedFs, type SeaweedFs } from '../helpers/seaweedfs';

jest.setTimeout(120_000);

interface Subject {
  blobs: BlobStore;
  close(): Promise<void>;
}

let seaweed: SeaweedFs;
let folder: string;

beforeAll(async () => {
  seaweed = await startSeaweedFs();
  folder = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-blobs-'));
});

afterAll(async () => {
  await seaweed?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const stores: [string, () => Promise<Subject>][] = [
  [
    'file',
    async () => {
      const root = path.join(folder, randomUUID());
      return { blobs: new FsBlobStore(root), close: async () => undefined };
    },
  ],
  [
    's3',
    async () => {
      const store = new S3BlobStore(seaweed.settings(`contract-${randomUUID().slice(0, 8)}`));
      await store.ensureBucket();
      return { blobs: store, close: async () => store.close() };
    },
  ],
];

describe.each(stores)('the %s blob store', (_name, open) => {
  let subject: Subject;
  let blobs: BlobStore;

  beforeEach(async () => {
    subject = await open();
    blobs = subject.blobs;
  });

  afterEach(() => subject.close());

  it('when a blob is put, then get, read and exists see it, and a second put replaces it', async () => {
    await blobs.put('jobs/a/result/text.txt', 'first');
    await blobs.put('jobs/a/result/text.txt', Buffer.from('second'));

    expect((await blobs.get('jobs/a/result/text.txt')).toString()).toBe('second');
    expect(await blobs.exists('jobs/a/result/text.txt')).toBe(true);
    const { body, bytes, etag } = await blobs.read('jobs/a/result/text.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('second');
    expect(bytes).toBe(6);
    expect(etag).toMatch(/^".+"$/);
  });

  it('when a blob changes, then its entity tag changes', async () => {
    await blobs.put('jobs/b/x', 'one');
    const first = await blobs.read('jobs/b/x');
    first.body.destroy();
    const before = first.etag;
    await blobs.put('jobs/b/x', 'two, longer');
    const after = await blobs.read('jobs/b/x');
    after.body.destroy();

    expect(after.etag).not.toBe(before);
  });

  it('when a blob does not exist, then get, read and move throw BlobNotFoundError and exists is false', async () => {
    await expect(blobs.get('jobs/none/x')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(blobs.read('jobs/none/x')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(blobs.move('jobs/none/x', 'jobs/none/y')).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await blobs.exists('jobs/none/x')).toBe(false);
  });

  it('when a key leaves its segments (.., //, a space), then it is refused before anything is touched', async () => {
    for (const key of ['../escape', 'jobs/../x', 'jobs//x', 'jobs/a b', '/jobs/x', 'jobs/x/']) {
      await expect(blobs.put(key, 'x')).rejects.toThrow('invalid blob key');
      await expect(blobs.get(key)).rejects.toThrow('invalid blob key');
    }
  });

  it('when a writer is committed, then the whole blob appears at once; before, nothing is seen', async () => {
    // Larger than one S3 part, so the S3 store uploads it in parts.
    const parts = Array.from({ length: 5 }, () => randomBytes(2 * 1024 * 1024 + 17));
    const writer = await blobs.writer('jobs/c/result/document.json');
    for (const part of parts) await writer.write(part);

    expect(await blobs.exists('jobs/c/result/document.json')).toBe(false);
    await writer.commit();
    expect((await blobs.get('jobs/c/result/document.json')).equals(Buffer.concat(parts))).toBe(true);
  });

  it('when a writer is aborted, then nothing is left under its key', async () => {
    const writer = await blobs.writer('jobs/d/result/text.txt');
    await writer.write(randomBytes(9 * 1024 * 1024));
    await writer.abort();

    expect(await blobs.exists('jobs/d/result/text.txt')).toBe(false);
    expect(await blobs.list('jobs/d/result')).toEqual([]);
  });

  it('when a blob is moved, then it is under the new key only', async () => {
    await blobs.put('uploads/u1', 'document bytes');
    await blobs.put('jobs/e/source/abc', 'older');
    await blobs.move('uploads/u1', 'jobs/e/source/abc');

    expect(await blobs.exists('uploads/u1')).toBe(false);
    expect((await blobs.get('jobs/e/source/abc')).toString()).toBe('document bytes');
  });

  it('when listed, then the names right under the prefix come back sorted, blobs and deeper prefixes alike', async () => {
    await blobs.put('jobs/f/runs/r2/images/1.png', 'p');
    await blobs.put('jobs/f/runs/r1/pages/1.json', 'j');
    await blobs.put('jobs/f/runs/r1/pages/2.json', 'j');
    await blobs.put('jobs/f/runs/note', 'n');
    await blobs.put('jobs/f/runsx/other', 'o');

    expect(await blobs.list('jobs/f/runs')).toEqual(['note', 'r1', 'r2']);
    expect(await blobs.list('jobs/f/runs/r1/pages')).toEqual(['1.json', '2.json']);
    expect(await blobs.list('jobs/f/nothing')).toEqual([]);
  });

  it('when a prefix is deleted, then everything under it goes, its neighbours stay, and a missing prefix is fine', async () => {
    for (let page = 1; page <= 30; page += 1) await blobs.put(`jobs/g/runs/r/images/${page}.png`, 'p');
    await blobs.put('jobs/g/result/text.txt', 't');
    await blobs.put('jobs/gg/result/text.txt', 'neighbour');
    await blobs.put('uploads/single', 'a blob named by the prefix itself');

    await blobs.deletePrefix('jobs/g');
    await blobs.deletePrefix('uploads/single');
    await blobs.deletePrefix('jobs/never');

    expect(await blobs.list('jobs/g')).toEqual([]);
    expect(await blobs.exists('jobs/g/result/text.txt')).toBe(false);
    expect(await blobs.exists('uploads/single')).toBe(false);
    expect((await blobs.get('jobs/gg/result/text.txt')).toString()).toBe('neighbour');
  });

  it('when stale blobs and unfinished writes are swept, then only those older than the cut go', async () => {
    await blobs.put('uploads/old', 'o');
    const unfinished = await blobs.writer('uploads/half');
    await unfinished.write(randomBytes(6 * 1024 * 1024));
    // S3 stamps times to the second: the cut lies clearly after the old ones and before the new.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const cut = new Date();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await blobs.put('uploads/new', 'n');

    const removed = await blobs.removeStale('uploads', cut);

    expect(removed).toBeGreaterThanOrEqual(1);
    expect(await blobs.exists('uploads/old')).toBe(false);
    expect(await blobs.exists('uploads/new')).toBe(true);
    await unfinished.abort();
  });
});

describe('the s3 blob store', () => {
  it('when the bucket is missing, then ensureBucket makes it, and a second call is fine', async () => {
    const bucket = `made-${randomUUID().slice(0, 8)}`;
    const store = new S3BlobStore(seaweed.settings(bucket));
    try {
      await store.ensureBucket();
      await store.ensureBucket();
      await store.put('jobs/x/y', 'z');

      expect(await seaweed.bucketNames()).toContain(bucket);
    } finally {
      store.close();
    }
  });

  it('when the server refuses to make the bucket, then ensureBucket throws BlobStoreSetupError naming it', async () => {
    // Upper-case letters are no bucket name: the server answers 400, which waiting cannot mend.
    const store = new S3BlobStore(seaweed.settings('Not_A_Bucket'));
    try {
      const error = await store.ensureBucket().then(() => null, (err: unknown) => err);

      expect(error).toBeInstanceOf(BlobStoreSetupError);
      expect((error as Error).message).toContain('Not_A_Bucket');
    } finally {
      store.close();
    }
  });

  it('when a presigned URL is fetched without credentials, then it serves the blob as the type asked for', async () => {
    const store = new S3BlobStore(seaweed.settings(`presign-${randomUUID().slice(0, 8)}`));
    try {
      await store.ensureBucket();
      await store.put('jobs/p/result/text.txt', 'Invoice 4711 paid');

      const url = await store.presignedUrl('jobs/p/result/text.txt', { expiresInSeconds: 60, contentType: 'text/plain' });
      const response = await fetch(url);

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain');
      expect(await response.text()).toBe('Invoice 4711 paid');
    } finally {
      store.close();
    }
  });
});
