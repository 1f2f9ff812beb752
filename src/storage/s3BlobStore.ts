import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BlobNotFoundError, checkedKey, type BlobStore, type BlobStream, type BlobWriter } from './blobStore';

/** Parts of a streamed write; S3's smallest part is 5 MiB. */
const PART_BYTES = 8 * 1024 * 1024;
/** Parts of one write in flight at once. */
const PARTS_IN_FLIGHT = 2;
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

export interface S3Settings {
  bucket: string;
  region: string;
  /** An S3-compatible server (MinIO, SeaweedFS, ...); unset, AWS's own endpoint for the region. */
  endpoint?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`, as most S3-compatible servers want. */
  forcePathStyle: boolean;
}

/** The bucket is missing and cannot be made, or may not be used: the message says which and why. */
export class BlobStoreSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlobStoreSetupError';
  }
}

/**
 * A blob store in one S3 bucket. Credentials come from the AWS SDK's standard chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, web identity, instance metadata).
 * An object appears whole when its upload completes, so writes are atomic as the interface asks.
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  private readonly bucket: string;

  constructor(settings: S3Settings, clientConfig: S3ClientConfig = {}) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      // Checksums only where S3 demands them: several S3-compatible servers refuse the newer
      // default trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...clientConfig,
    });
  }

  /**
   * Makes sure the bucket exists, creating it when it does not.
   * @throws BlobStoreSetupError when it cannot be used or made (the answer was a refusal);
   *   other errors (the server is not reachable) may pass with time
   */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      const status = statusOf(err);
      if (status === 403) throw new BlobStoreSetupError(`S3 bucket ${this.bucket}: access denied (check the credentials and the bucket's policy)`);
      if (status !== 404) throw err;
    }
    try {
      const region = await this.client.config.region();
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          // us-east-1 is the one region that must not be named.
          ...(region && region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as never } } : {}),
        }),
      );
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'BucketAlreadyOwnedByYou') return;
      const status = statusOf(err);
      if (status !== undefined && status >= 400 && status < 500) {
        throw new BlobStoreSetupError(`S3 bucket ${this.bucket} does not exist and cannot be created: ${name}: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  async put(key: string, data: Buffer | string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: checkedKey(key), Body: data }));
  }

  async writer(key: string): Promise<BlobWriter> {
    const body = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: checkedKey(key), Body: body },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    const done = upload.done();
    // Seen through write/commit; a writer aborted or never committed must not crash the process.
    done.catch(() => undefined);
    const failed = done.then(() => new Error('the upload ended before its last part'));
    failed.catch(() => undefined);
    return {
      write: async (chunk) => {
        if (body.write(chunk)) return;
        const outcome = await Promise.race([once(body, 'drain').then(() => null), failed]);
        if (outcome) throw outcome;
      },
      commit: async () => {
        body.end();
        await done;
      },
      abort: async () => {
        await upload.abort().catch(() => undefined);
        body.destroy();
        await done.catch(() => undefined);
      },
    };
  }

  async get(key: string): Promise<Buffer> {
    const { body } = await this.read(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async read(key: string): Promise<BlobStream> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkedKey(key) }));
      return { body: answer.Body as Readable, bytes: answer.ContentLength ?? 0, etag: answer.ETag ?? `"${answer.LastModified?.getTime() ?? 0}"` };
    } catch (err) {
      if (statusOf(err) === 404) throw new BlobNotFoundError(key);
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: checkedKey(key) }));
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  async move(from: string, to: string): Promise<void> {
    try {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: checkedKey(to), CopySource: `${this.bucket}/${checkedKey(from)}` }),
      );
    } catch (err) {
      if (statusOf(err) === 404) throw new BlobNotFoundError(from);
      throw err;
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: from }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    // The prefix may name a blob itself, as a file system path names a file.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: checkedKey(prefix) }));
    const keys: string[] = [];
    // Servers that keep folders (SeaweedFS) keep listing emptied ones until the folder itself
    // is deleted, as `name/`; S3 has no folders, and deleting a key that is not there is fine.
    const folders = new Set<string>([`${prefix}/`]);
    for await (const page of this.pages(`${prefix}/`)) {
      for (const { Key: key } of page.Contents ?? []) {
        if (!key) continue;
        keys.push(key);
        for (let end = key.lastIndexOf('/'); end > prefix.length; end = key.lastIndexOf('/', end - 1)) folders.add(key.slice(0, end + 1));
      }
    }
    await this.deleteObjects(keys);
    // Deepest first, one depth at a time: a folder goes only once it is empty.
    const depthOf = (folder: string) => folder.split('/').length;
    const depths = [...new Set([...folders].map(depthOf))].sort((a, b) => b - a);
    for (const depth of depths) await this.deleteObjects([...folders].filter((folder) => depthOf(folder) === depth));
  }

  async list(prefix: string): Promise<string[]> {
    const under = `${checkedKey(prefix)}/`;
    const names = new Set<string>();
    for await (const page of this.pages(under, '/')) {
      for (const object of page.Contents ?? []) if (object.Key) names.add(object.Key.slice(under.length));
      for (const common of page.CommonPrefixes ?? []) if (common.Prefix) names.add(common.Prefix.slice(under.length, -1));
    }
    return [...names].filter(Boolean).sort();
  }

  async removeStale(prefix: string, before: Date): Promise<number> {
    const under = `${checkedKey(prefix)}/`;
    const stale: string[] = [];
    for await (const page of this.pages(under, '/')) {
      for (const object of page.Contents ?? []) {
        if (object.Key && object.LastModified && object.LastModified < before) stale.push(object.Key);
      }
    }
    await this.deleteObjects(stale);
    // Writes left unfinished by a process that died are multipart uploads never completed.
    let abandoned = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: under, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= before) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
        abandoned += 1;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return stale.length + abandoned;
  }

  /** A URL that reads the blob without credentials until it expires, answered with `contentType`. */
  presignedUrl(key: string, { expiresInSeconds, contentType }: { expiresInSeconds: number; contentType: string }): Promise<string> {
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: checkedKey(key), ResponseContentType: contentType });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  close(): void {
    this.client.destroy();
  }

  /** The listing of what starts with `prefix`, page by page; with `delimiter`, only what is right under it. */
  private pages(prefix: string, delimiter?: string) {
    return paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix, ...(delimiter ? { Delimiter: delimiter } : {}) });
  }

  /** Deletes the keys, as many requests as DeleteObjects needs for them. */
  private async deleteObjects(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const answer = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = answer.Errors ?? [];
      if (failed.length > 0) {
        throw new Error(`could not delete ${failed.length} blobs, the first ${failed[0]?.Key}: ${failed[0]?.Code} ${failed[0]?.Message}`);
      }
    }
  }
}

function statusOf(err: unknown): number | undefined {
  if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode;
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
