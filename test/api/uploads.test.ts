import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { stageUpload, sweepStagedUploads, UploadTooLargeError } from '../../src/api/uploads';
import { FsBlobStore } from '../../src/storage/blobStore';

let root: string;
let blobs: FsBlobStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-uploads-'));
  blobs = new FsBlobStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const staged = () => readdir(path.join(root, 'uploads')).catch(() => [] as string[]);

describe('staged uploads', () => {
  test('when an upload arrives in pieces, then it is stored whole with its hash, size and first bytes', async () => {
    const pieces = [Buffer.from('%PDF-1.7 first piece '), Buffer.from('second piece')];

    const upload = await stageUpload(blobs, Readable.from(pieces), 1000);

    const whole = Buffer.concat(pieces);
    expect(await blobs.get(upload.key)).toEqual(whole);
    expect(upload).toMatchObject({ bytes: whole.length, head: whole.subarray(0, 16) });
    expect(upload.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('when an upload passes the limit, then it fails and leaves nothing behind', async () => {
    const body = Readable.from([Buffer.alloc(600), Buffer.alloc(600)]);

    await expect(stageUpload(blobs, body, 1000)).rejects.toBeInstanceOf(UploadTooLargeError);
    expect(await staged()).toEqual([]);
  });

  test('when a process died mid-upload, then the sweep removes what it left once no request can still be writing it, and nothing newer', async () => {
    const requestTimeoutMs = 120_000;
    const kept = await stageUpload(blobs, Readable.from([Buffer.from('a fresh upload')]), 1000);
    await writeFile(path.join(root, 'uploads', 'left-by-a-dead-process.1a2b.tmp'), 'half an upload');
    const longAgo = new Date(Date.now() - 3 * requestTimeoutMs);
    await utimes(path.join(root, 'uploads', 'left-by-a-dead-process.1a2b.tmp'), longAgo, longAgo);

    const removed = await sweepStagedUploads(blobs, requestTimeoutMs);

    expect(removed).toBe(1);
    expect(await staged()).toEqual([path.basename(kept.key)]);
  });
});
