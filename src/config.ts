import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { TASK_QUEUE } from './shared/jobs';
import { DEFAULT_PAGE_BATCH_SIZE, MAX_PAGE_BATCH_SIZE } from './shared/pageBatches';

const MiB = 1024 * 1024;

/** PEM text as given, or read from the file it names. */
const pemOrFile = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    if (value.trimStart().startsWith('-----BEGIN')) return value;
    try {
      return readFileSync(value, 'utf8');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `neither PEM text nor a readable file: ${(err as Error).message}` });
      return z.NEVER;
    }
  });

/** OTLP over HTTP, in either encoding; gRPC is not shipped. */
const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;

const integer = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Loopback by default: the API is reachable from elsewhere only when asked to, and then only with authentication. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** YAML or JSON file of tenants and the hashes of their API keys; reloaded on change and on SIGHUP. */
  TENANTS_FILE: z.string().min(1).optional(),
  /** `none`: no authentication, even on an address other than loopback (every caller sees every job). */
  AUTH: z.enum(['none']).optional(),
  /** JWT bearer tokens from an identity provider: its key set, issuer, audience and the claim naming the tenant. */
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_TENANT_CLAIM: z.string().min(1).default('tenant'),
  /** Per tenant, unless its entry in the tenants file says otherwise. */
  RATE_LIMIT_SUBMITS_PER_MINUTE: integer(1, 600),
  MAX_ACTIVE_JOBS_PER_TENANT: integer(1, 100),
  /** Pages waiting for a worker beyond which submits are refused (503 OVERLOADED). */
  MAX_BACKLOG_PAGES: integer(1, 5000),
  /** Uploads received at once; more are refused (503 OVERLOADED) before their body is read. */
  MAX_CONCURRENT_UPLOADS: integer(1, 64),
  /** `Prefer: wait` requests held at once; more are answered at once. */
  PREFER_WAIT_MAX_REQUESTS: integer(0, 100),
  /** Unset: `npm start` runs an embedded dev server at localhost:TEMPORAL_DEV_PORT. */
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  /** Base URL of the Temporal Web UI, for links to a job's workflow. */
  TEMPORAL_UI_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Where documents, page images and results live: files under DATA_DIR, or an S3 bucket. */
  BLOB_STORE: z.enum(['file', 's3']).default('file'),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens').optional(),
  /** An S3-compatible server (MinIO, SeaweedFS); unset, AWS S3 itself. */
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** Unset: AWS_REGION, else us-east-1. */
  S3_REGION: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  /** `presigned`: GET /jobs/{id}/result answers 303 to a presigned S3 URL instead of streaming the result. */
  RESULT_REDIRECT: z.enum(['off', 'presigned']).default('off'),
  RESULT_REDIRECT_EXPIRES_SECONDS: integer(1, 900),
  /** Days a finished job's document, pages and results are kept; then reads answer 410. */
  RETENTION_DAYS: z.coerce.number().positive().max(36_500).default(7),
  /** OpenTelemetry's own variables: traces go to this OTLP endpoint; none set, nothing is exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(OTLP_PROTOCOLS).default('http/protobuf'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(OTLP_PROTOCOLS).optional(),
  MAX_UPLOAD_BYTES: integer(1, 25 * MiB),
  MAX_IMAGE_PIXELS: integer(1, 100_000_000),
  MAX_PAGES: integer(1, 10_000),
  /** Comma-separated IPs, CIDR ranges or host names that `sourceUrl` may reach although not public. */
  SOURCE_URL_ALLOWLIST: z
    .string()
    .default('')
    .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean)),
  SOURCE_FETCH_TIMEOUT_MS: integer(100, 30_000),
  /** Signs webhooks (`whsec_` and base64); unset, a secret is made once and kept under DATA_DIR. */
  WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'write "whsec_" and the base64 of the secret').optional(),
  /** How long a webhook delivery keeps being retried. */
  WEBHOOK_RETRY_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
  /** First wait between delivery attempts; it doubles up to an hour, each wait a random part of it. */
  WEBHOOK_RETRY_BASE_MS: integer(1, 5000),
  /** Like SOURCE_URL_ALLOWLIST, for `callbackUrl`. */
  CALLBACK_URL_ALLOWLIST: z
    .string()
    .default('')
    .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean)),
  /** Deadline of a job that sets none, and the latest one a job may set. */
  JOB_TIMEOUT_DEFAULT_SECONDS: integer(1, 3600),
  JOB_TIMEOUT_MAX_SECONDS: integer(1, 86_400),
  /** How long past its deadline a job's workflow may run (storing what was read) before Temporal ends it. */
  JOB_TIMEOUT_GRACE_SECONDS: integer(1, 900),
  /** Cap on `Prefer: wait=N`. */
  PREFER_WAIT_MAX_SECONDS: integer(0, 30),
  /** Identical status polls within this window share one read of Temporal. */
  STATUS_CACHE_MS: integer(0, 250),
  /** Which engine reads pages: `native` (the system's `tesseract`), `tesseractjs` (WebAssembly, nothing to install), or `auto` (native for the languages it has installed, else tesseract.js). */
  OCR_ENGINE: z.enum(['auto', 'tesseractjs', 'native']).default('auto'),
  OCR_POOL_SIZE: integer(1, availableParallelism()),
  OCR_RECYCLE_AFTER_PAGES: integer(1, 50),
  /** Longest one page may keep the OCR engine busy; the engine is then stopped and the page fails with OCR_TIMEOUT. */
  OCR_PAGE_TIMEOUT_MS: integer(1000, 120_000),
  /** CPU priority (nice, 0-19) of the threads that read pages: below the API, Temporal and the workflow tasks, so they answer at once while OCR fills the cores. 0 leaves them as they are. */
  OCR_NICE: z.coerce.number().int().min(0).max(19).default(10),
  PAGE_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  /** Pages one batch of a large document reads (a child workflow each); documents of at most this many pages are read in one. */
  PAGE_BATCH_SIZE: z.coerce.number().int().min(1).max(MAX_PAGE_BATCH_SIZE).default(DEFAULT_PAGE_BATCH_SIZE),
  HEARTBEAT_INTERVAL_MS: integer(100, 2000),
  /** Resolution PDF pages are rendered at for OCR. */
  PDF_DPI: integer(72, 300),
  /** How PDF pages with a text layer are read: `auto` (from a layer of real, visible text; OCR otherwise), `layer` (from any layer), `ocr` (always OCR). */
  PDF_TEXT: z.enum(['auto', 'ocr', 'layer']).default('auto'),
  /** Longest one page may take to render (MuPDF) or to analyse, each in its thread; the thread is then ended and the page retried. */
  THREAD_TASK_TIMEOUT_MS: integer(100, 60_000),
  /** How long GET /jobs/{id} waits for the workflow's status query before using the last recorded state. */
  STATUS_QUERY_TIMEOUT_MS: integer(50, 1500),
  EVENT_STREAM_KEEPALIVE_SECONDS: integer(1, 15),
  /** Where a worker serves GET /metrics; 0 turns it off. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Longest the API waits for any other Temporal call before answering 503. */
  TEMPORAL_RPC_TIMEOUT_MS: integer(100, 5000),
  /** mTLS to Temporal: PEM text, or the path of a PEM file. Certificate and key go together. */
  TEMPORAL_TLS_CERT: pemOrFile.optional(),
  TEMPORAL_TLS_KEY: pemOrFile.optional(),
  /** The CA that signed the server's certificate (else the system's roots). */
  TEMPORAL_TLS_CA: pemOrFile.optional(),
  /** The name the server's certificate carries, when it is not the address's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Sent as `Authorization: Bearer …` (Temporal Cloud); turns TLS on. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** `auto`: register the namespace and search attributes where missing; `off`: only check they exist. */
  TEMPORAL_SETUP: z.enum(['auto', 'off']).default('auto'),
  SHUTDOWN_GRACE_MS: integer(0, 30_000),
  /** Longest a client may take to send a whole request (headers and body); then 408. */
  REQUEST_TIMEOUT_MS: integer(1000, 120_000),
  /** Longest a client may take to send a request's headers; then 408. */
  HEADERS_TIMEOUT_MS: integer(500, 10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The AWS SDK's own; read here only as S3_REGION's fallback. */
  AWS_REGION: z.string().min(1).optional(),
});

export type Config = Readonly<ReturnType<typeof toConfig>>;

function toConfig(env: z.output<typeof envSchema>) {
  const dataDir = path.resolve(env.DATA_DIR);
  const temporalAddress = env.TEMPORAL_ADDRESS ?? `localhost:${env.TEMPORAL_DEV_PORT}`;
  return {
    port: env.PORT,
    host: env.HOST,
    auth: {
      /** True when AUTH=none: the API runs open whatever its address. */
      disabled: env.AUTH === 'none',
      tenantsFile: env.TENANTS_FILE === undefined ? undefined : path.resolve(env.TENANTS_FILE),
      jwt:
        env.AUTH_JWKS_URL === undefined
          ? undefined
          : { jwksUrl: env.AUTH_JWKS_URL, issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE, tenantClaim: env.AUTH_TENANT_CLAIM },
    },
    tenantDefaults: {
      submitsPerMinute: env.RATE_LIMIT_SUBMITS_PER_MINUTE,
      maxActiveJobs: env.MAX_ACTIVE_JOBS_PER_TENANT,
    },
    load: {
      maxBacklogPages: env.MAX_BACKLOG_PAGES,
      maxConcurrentUploads: env.MAX_CONCURRENT_UPLOADS,
      maxWaitingRequests: env.PREFER_WAIT_MAX_REQUESTS,
    },
    logLevel: env.LOG_LEVEL,
    tracing: {
      /** True when spans are sent somewhere; without an endpoint they still carry ids for logs and clients. */
      exporting: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined || env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined,
      protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL,
    },
    dataDir,
    blobDir: path.join(dataDir, 'blobs'),
    blobStore:
      env.BLOB_STORE === 's3'
        ? {
            kind: 's3' as const,
            s3: {
              // Checked by the schema: BLOB_STORE=s3 needs a bucket.
              bucket: env.S3_BUCKET ?? '',
              region: env.S3_REGION ?? env.AWS_REGION ?? 'us-east-1',
              endpoint: env.S3_ENDPOINT,
              forcePathStyle: env.S3_FORCE_PATH_STYLE,
            },
          }
        : { kind: 'file' as const },
    results: {
      redirect: env.RESULT_REDIRECT,
      redirectExpiresSeconds: env.RESULT_REDIRECT_EXPIRES_SECONDS,
    },
    retention: {
      days: env.RETENTION_DAYS,
    },
    temporal: {
      address: temporalAddress,
      /** True when no TEMPORAL_ADDRESS is given and `npm start` should run a dev server. */
      embedded: env.TEMPORAL_ADDRESS === undefined,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      devPort: env.TEMPORAL_DEV_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      uiUrl: env.TEMPORAL_UI_URL ?? `http://localhost:${env.TEMPORAL_UI_PORT}`,
      dbFile: path.join(dataDir, 'temporal.db'),
      rpcTimeoutMs: env.TEMPORAL_RPC_TIMEOUT_MS,
      setup: env.TEMPORAL_SETUP,
      /** TLS settings when any is given; null for a plaintext connection (unless an API key turns TLS on). */
      tls:
        env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_SERVER_NAME
          ? { cert: env.TEMPORAL_TLS_CERT, key: env.TEMPORAL_TLS_KEY, ca: env.TEMPORAL_TLS_CA, serverName: env.TEMPORAL_TLS_SERVER_NAME }
          : null,
      apiKey: env.TEMPORAL_API_KEY,
    },
    limits: {
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      maxPixels: env.MAX_IMAGE_PIXELS,
      maxPages: env.MAX_PAGES,
    },
    sourceFetch: {
      maxBytes: env.MAX_UPLOAD_BYTES,
      timeoutMs: env.SOURCE_FETCH_TIMEOUT_MS,
      allowList: env.SOURCE_URL_ALLOWLIST,
    },
    callbacks: {
      allowList: env.CALLBACK_URL_ALLOWLIST,
    },
    webhooks: {
      secret: env.WEBHOOK_SECRET,
      retry: { baseMs: env.WEBHOOK_RETRY_BASE_MS, hours: env.WEBHOOK_RETRY_HOURS },
    },
    jobTimeout: {
      defaultSeconds: env.JOB_TIMEOUT_DEFAULT_SECONDS,
      maxSeconds: env.JOB_TIMEOUT_MAX_SECONDS,
      graceSeconds: env.JOB_TIMEOUT_GRACE_SECONDS,
    },
    preferWaitMaxSeconds: env.PREFER_WAIT_MAX_SECONDS,
    statusCacheMs: env.STATUS_CACHE_MS,
    ocr: {
      engine: env.OCR_ENGINE,
      poolSize: env.OCR_POOL_SIZE,
      recycleAfterPages: env.OCR_RECYCLE_AFTER_PAGES,
      pageTimeoutMs: env.OCR_PAGE_TIMEOUT_MS,
      nice: env.OCR_NICE,
      pageConcurrency: env.PAGE_CONCURRENCY ?? env.OCR_POOL_SIZE,
      pageBatchSize: env.PAGE_BATCH_SIZE,
      heartbeatIntervalMs: env.HEARTBEAT_INTERVAL_MS,
      pdfDpi: env.PDF_DPI,
      pdfText: env.PDF_TEXT,
      threadTaskTimeoutMs: env.THREAD_TASK_TIMEOUT_MS,
    },
    statusQueryTimeoutMs: env.STATUS_QUERY_TIMEOUT_MS,
    workerMetricsPort: env.WORKER_METRICS_PORT,
    events: {
      /** How often an open event stream sends a comment, so proxies keep it open. */
      keepAliveMs: env.EVENT_STREAM_KEEPALIVE_SECONDS * 1000,
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    http: {
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      // Node requires the headers' limit to be within the whole request's.
      headersTimeoutMs: Math.min(env.HEADERS_TIMEOUT_MS, env.REQUEST_TIMEOUT_MS),
    },
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads every setting from the environment once; fails with one line per bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`FOO=` in a shell or compose file) means "not set".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema
    .refine((env) => env.AUTH !== 'none' || (env.TENANTS_FILE === undefined && env.AUTH_JWKS_URL === undefined), {
      path: ['AUTH'],
      message: 'AUTH=none turns authentication off; unset it, or unset TENANTS_FILE and AUTH_JWKS_URL',
    })
    .refine((env) => env.BLOB_STORE !== 's3' || env.S3_BUCKET !== undefined, {
      path: ['S3_BUCKET'],
      message: 'BLOB_STORE=s3 needs the bucket: set S3_BUCKET',
    })
    .refine((env) => env.BLOB_STORE !== 's3' || env.WEBHOOK_SECRET !== undefined, {
      path: ['WEBHOOK_SECRET'],
      message: 'with BLOB_STORE=s3 processes share no disk to keep a generated secret on: set WEBHOOK_SECRET (whsec_ and the base64 of 32 random bytes)',
    })
    .refine((env) => env.RESULT_REDIRECT !== 'presigned' || env.BLOB_STORE === 's3', {
      path: ['RESULT_REDIRECT'],
      message: 'presigned URLs need an S3 blob store: set BLOB_STORE=s3, or RESULT_REDIRECT=off',
    })
    .refine((env) => (env.TEMPORAL_TLS_CERT === undefined) === (env.TEMPORAL_TLS_KEY === undefined), {
      path: ['TEMPORAL_TLS_KEY'],
      message: 'a client certificate needs its key: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY together',
    })
    .safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return deepFreeze(toConfig(parsed.data));
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child);
  }
  return Object.freeze(value);
}

/** For entry points: the configuration, or a readable message on stderr and exit code 2. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\]|::ffff:127(\.\d{1,3}){3})$/i;

/** True when the API's address is reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.test(host);
}

/** True when requests must carry a key or token: a tenants file or an identity provider is set. */
export function authEnabled(config: Config): boolean {
  return config.auth.tenantsFile !== undefined || config.auth.jwt !== undefined;
}

/**
 * Why the API must not start as configured: listening beyond loopback with no
 * authentication, unless AUTH=none says that is meant. Null when it may.
 */
export function exposureProblem(config: Config): string | null {
  if (authEnabled(config) || config.auth.disabled || isLoopbackHost(config.host)) return null;
  return (
    `HOST=${config.host} would let anyone who reaches the port submit, read and delete every job: ` +
    'set TENANTS_FILE (npm run tenants -- add NAME) or AUTH_JWKS_URL, or HOST=127.0.0.1, or AUTH=none to run open on purpose'
  );
}
