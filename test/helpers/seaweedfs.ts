// A real S3-compatible server (SeaweedFS `weed server -s3`) for the tests of the S3 blob
// store. Every listener is on a free loopback port: tests run in parallel, and SeaweedFS's
// defaults (9333, 8080, 8888, 8333 and their gRPC ports at +10000, 8181, 9101) would clash.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { PROJECT_ROOT } from '../../src/paths';
import { S3BlobStore, type S3Settings } from '../../src/storage/s3BlobStore';
import { eventually } from './jobs';
import { freePort } from './ports';

export interface SeaweedFs {
  /** The S3 endpoint, for S3_ENDPOINT. */
  endpoint: string;
  /** Settings of an S3 blob store on `bucket` of this server. */
  settings(bucket: string): S3Settings;
  /** The variables that point the service at `bucket` of this server. */
  env(bucket: string): Record<string, string>;
  bucketNames(): Promise<string[]>;
  /** Stops the server (SIGTERM) and removes its data folder. */
  stop(): Promise<void>;
  /** What the server printed, for messages when a test fails. */
  output(): string;
}

/**
 * Any credentials do: the server runs without identities. Given to this process too, where
 * the SDK's standard chain finds them, so it looks no further (profiles, instance metadata).
 */
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'ocr-jobs-test', AWS_SECRET_ACCESS_KEY: 'ocr-jobs-test-secret' };
for (const [name, value] of Object.entries(CREDENTIALS)) process.env[name] ??= value;

let binary: string | undefined;

/** The weed binary: $WEED_BIN, else what scripts/seaweedfs.sh finds or builds (once per machine). */
export function weedBinary(): string {
  binary ??=
    process.env.WEED_BIN ||
    execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts/seaweedfs.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  return binary;
}

/** Starts SeaweedFS and resolves once its S3 gateway stores and serves an object. */
export async function startSeaweedFs(): Promise<SeaweedFs> {
  const executable = weedBinary();
  // A free port may be taken by someone else before the server binds it: then start again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(executable);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTakenError)) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(executable: string): Promise<SeaweedFs> {
  const port = async () => String(await freePort());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seaweedfs-'));
  const s3Port = await port();
  const args = [
    'server',
    `-dir=${dir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    '-s3',
    `-s3.port=${s3Port}`,
    `-s3.port.grpc=${await port()}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-master.port=${await port()}`,
    `-master.port.grpc=${await port()}`,
    '-master.telemetry=false',
    // Small volumes: a test stores megabytes, and the default (30 GB each) reserves far more.
    '-master.volumeSizeLimitMB=64',
    // Each bucket is a collection with volumes of its own: as many as the disk holds, not 8.
    '-volume.max=0',
    `-volume.port=${await port()}`,
    `-volume.port.grpc=${await port()}`,
    `-filer.port=${await port()}`,
    `-filer.port.grpc=${await port()}`,
  ];
  const child = spawn(executable, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      printed += `\n${String(error)}`;
      resolve();
    });
    child.once('exit', () => resolve());
  });
  const running = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const endpoint = `http://127.0.0.1:${s3Port}`;
  const settings = (bucket: string): S3Settings => ({ bucket, endpoint, region: 'us-east-1', forcePathStyle: true });

  const stop = async () => {
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  // Ready once a bucket can be made and an object written and read back: the master must
  // have a volume server to place it on, which takes a few seconds after the gateway answers.
  const probe = new S3BlobStore(settings('ready-probe'), { maxAttempts: 1 });
  const works = async () => {
    try {
      await probe.ensureBucket();
      await probe.put('probe', 'ok');
      return (await probe.get('probe')).toString() === 'ok';
    } catch {
      return false;
    }
  };
  try {
    await Promise.race([eventually(async () => running() && (await works()), (up) => up || !running(), 120_000), exited]);
    if (!running()) {
      await exited;
      const message = `weed (${executable}) exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${printed}`;
      throw printed.includes('address already in use') ? new PortTakenError(message) : new Error(message);
    }
  } catch (error) {
    await stop();
    if (error instanceof Error && !error.message.includes(printed)) error.message += `\nweed output:\n${printed}`;
    throw error;
  } finally {
    probe.close();
  }

  return {
    endpoint,
    settings,
    env: (bucket) => ({
      BLOB_STORE: 's3',
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      ...CREDENTIALS,
    }),
    async bucketNames() {
      const store = new S3BlobStore(settings('unused'));
      try {
        const { Buckets } = await store.client.send(new ListBucketsCommand({}));
        return (Buckets ?? []).map((bucket) => bucket.Name ?? '');
      } finally {
        store.close();
      }
    },
    stop,
    output: () => printed,
  };
}
