import type { Logger } from 'pino';
import type { Config } from '../config';
import { retryUntilReachable } from '../temporal/retry';
import { FsBlobStore, type BlobStore } from './blobStore';
import { BlobStoreSetupError, S3BlobStore } from './s3BlobStore';

/** The configured blob store, ready for use, and what only some stores can do. */
export interface OpenedBlobStore {
  blobs: BlobStore;
  /** A URL that reads a blob without credentials for a while; null where the store has none. */
  presign: ((key: string, contentType: string) => Promise<string>) | null;
  close(): void;
}

/**
 * Opens BLOB_STORE: files under DATA_DIR, or an S3 bucket, made when missing. An S3 server
 * not reachable yet is waited for (containers start in any order).
 * @throws BlobStoreSetupError when the bucket can be neither used nor made
 */
export async function openBlobStore(config: Config, logger: Logger): Promise<OpenedBlobStore> {
  const store = config.blobStore;
  if (store.kind === 'file') {
    return { blobs: new FsBlobStore(config.blobDir), presign: null, close: () => undefined };
  }
  const s3 = new S3BlobStore(store.s3);
  try {
    await retryUntilReachable(() => s3.ensureBucket(), logger, { final: (err) => err instanceof BlobStoreSetupError, what: 'S3' });
  } catch (err) {
    s3.close();
    throw err;
  }
  logger.info({ bucket: store.s3.bucket, endpoint: store.s3.endpoint ?? 'AWS' }, 'blobs are kept in S3');
  const expiresInSeconds = config.results.redirectExpiresSeconds;
  return {
    blobs: s3,
    presign: (key, contentType) => s3.presignedUrl(key, { expiresInSeconds, contentType }),
    close: () => s3.close(),
  };
}
