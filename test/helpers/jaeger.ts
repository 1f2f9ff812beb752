// A real Jaeger all-in-one (v2, OpenTelemetry-collector based) for tests that check the
// traces the service exports. Every listener is on a free loopback port: tests run in
// parallel, and Jaeger's default ports (4317/4318, 16686, 8888, ...) would clash.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { eventually } from './jobs';
import { freePort } from './ports';

export interface JaegerTag {
  key: string;
  type: string;
  value: unknown;
}

/** A span as Jaeger's query API (`/api/traces/{id}`) returns it. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  /** Microseconds since the epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: JaegerTag[];
  /** Key into the trace's `processes`. */
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
}

export interface Jaeger {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over HTTP; the exporter appends /v1/traces). */
  otlpHttpEndpoint: string;
  /** Base URL of the query HTTP API (`/api/services`, `/api/traces/{id}`, ...). */
  queryUrl: string;
  /** The trace with this id (32 hex digits), or undefined while Jaeger has none. */
  trace(traceId: string): Promise<JaegerTrace | undefined>;
  /** Stops Jaeger (SIGTERM) and removes its temporary folder. */
  stop(): Promise<void>;
  /** What Jaeger printed, for messages when a test fails. */
  output(): string;
}

let binary: string | undefined;

/** The Jaeger binary: $JAEGER_BIN, else what scripts/jaeger.sh finds or builds (once per machine). */
export function jaegerBinary(): string {
  binary ??=
    process.env.JAEGER_BIN ||
    execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts/jaeger.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  return binary;
}

interface Ports {
  otlpHttp: number;
  queryHttp: number;
  queryGrpc: number;
}

/**
 * Jaeger v2 config: in-memory storage, an OTLP receiver over HTTP only, the query extension
 * (HTTP API and gRPC), and nothing else listening: no health check, zpages, expvar, pprof or
 * sampling extensions, and no internal-metrics endpoint (the collector's default is :8888).
 */
export function jaegerConfig(ports: Ports): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info

extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memstore
    # On by default in v2: Jaeger would trace its own queries to localhost:4317.
    enable_tracing: false
    http:
      endpoint: 127.0.0.1:${ports.queryHttp}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}

receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** Starts Jaeger and resolves once its query API answers and its OTLP receiver takes spans. */
export async function startJaeger(): Promise<Jaeger> {
  const executable = jaegerBinary();
  // A free port may be taken by someone else before Jaeger binds it: then start again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(executable);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTakenError)) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(executable: string): Promise<Jaeger> {
  const ports: Ports = { otlpHttp: await freePort(), queryHttp: await freePort(), queryGrpc: await freePort() };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'jaeger-'));
  const configFile = path.join(dir, 'config.yaml');
  await writeFile(configFile, jaegerConfig(ports));

  // No OTEL_* variables from the test process: they are meant for the service, not Jaeger.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  const child = spawn(executable, ['--config', `file:${configFile}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

  const otlpHttpEndpoint = `http://127.0.0.1:${ports.otlpHttp}`;
  const queryUrl = `http://127.0.0.1:${ports.queryHttp}`;

  const stop = async () => {
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const answers = async (url: string, init?: RequestInit) => {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    }
  };
  const ready = () =>
    eventually(
      async () =>
        running() &&
        (await answers(`${queryUrl}/api/services`)) &&
        (await answers(`${otlpHttpEndpoint}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })),
      (up) => up || !running(),
      60_000,
    );

  try {
    await Promise.race([ready(), exited]);
    if (!running()) {
      await exited;
      const message = `jaeger (${executable}) exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${printed}`;
      throw printed.includes('address already in use') ? new PortTakenError(message) : new Error(message);
    }
  } catch (error) {
    await stop();
    if (error instanceof Error && !error.message.includes(printed)) error.message += `\njaeger output:\n${printed}`;
    throw error;
  }

  return {
    otlpHttpEndpoint,
    queryUrl,
    async trace(traceId) {
      const response = await fetch(`${queryUrl}/api/traces/${traceId}`);
      if (response.status === 404) {
        await response.arrayBuffer();
        return undefined;
      }
      if (!response.ok) throw new Error(`GET /api/traces/${traceId}: ${response.status} ${await response.text()}`);
      const body = (await response.json()) as { data?: JaegerTrace[] | null };
      return body.data?.[0];
    },
    stop,
    output: () => printed,
  };
}
