import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { StorageEngine } from 'multer';
import type { BlobStore } from '../storage/blobStore';

/** An upload written to the blob store as it arrived, before it is given to a job. */
export interface StagedUpload {
  /** Where it waits: under `uploads/`, outside every job, until the job takes it (`move`). */
  key: string;
  sha256: string;
  bytes: number;
  /** Its first bytes, which tell its type. */
  head: Buffer;
}

const HEAD_BYTES = 16;
/** Where uploads wait for their job. */
const STAGING_PREFIX = 'uploads';

export class UploadTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the document has more than ${maxBytes} bytes`);
    this.name = 'UploadTooLargeError';
  }
}

/**
 * Streams a document into the blob store while it is hashed and counted, so no request
 * holds a whole document in memory. Nothing is left behind when it fails.
 * @throws UploadTooLargeError past `maxBytes`
 */
export async function stageUpload(blobs: BlobStore, body: Readable, maxBytes: number): Promise<StagedUpload> {
  const key = `${STAGING_PREFIX}/${randomUUID()}`;
  const writer = await blobs.writer(key);
  const hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new UploadTooLargeError(maxBytes);
      hash.update(chunk);
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      await writer.write(chunk);
    }
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { key, sha256: hash.digest('hex'), bytes, head };
}

/** A multer storage engine that stages the multipart file part (see stageUpload). */
export function stagingStorage(blobs: BlobStore, maxBytes: number): StorageEngine {
  return {
    _handleFile(_req, file, done) {
      stageUpload(blobs, file.stream, maxBytes).then(
        (staged) => done(null, { staged } as Partial<Express.Multer.File>),
        (err: Error) => done(err),
      );
    },
    _removeFile(_req, file, done) {
      const { staged } = file as Express.Multer.File & { staged?: StagedUpload };
      if (!staged) return done(null);
      blobs.deletePrefix(staged.key).then(() => done(null), done);
    },
  };
}

/**
 * Removes staged uploads no request can still be writing or moving: those untouched for
 * twice the longest a request may take. What an API process killed mid-upload left goes so.
 */
export function sweepStagedUploads(blobs: BlobStore, requestTimeoutMs: number, now = Date.now()): Promise<number> {
  return blobs.removeStale(STAGING_PREFIX, new Date(now - 2 * requestTimeoutMs));
}
