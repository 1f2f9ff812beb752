import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseTenants } from '../../src/auth/tenantsFile';
import { authEnabled, exposureProblem, loadConfig } from '../../src/config';
import { createApiMetrics } from '../../src/metrics/apiMetrics';
import { createWorkerMetrics } from '../../src/metrics/workerMetrics';
import { PROJECT_ROOT } from '../../src/paths';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  container_name?: string;
  depends_on?: Record<string, unknown> | string[];
}

/** A secret as a user passes it (`WEBHOOK_SECRET=… docker compose up`). */
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** The file as `docker compose` reads it: merge keys applied, `${VAR:?message}` from the environment. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+):\?([^}]*)\}/g, (_whole, name: string, message: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`${name}: ${message}`);
    return value;
  });
}

const composeText = readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(interpolate(composeText, { WEBHOOK_SECRET }), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
  test('when parsed, then it names Temporal on PostgreSQL, the Web UI, the API, the worker, Jaeger, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'grafana', 'jaeger', 'minio', 'postgresql', 'prometheus', 'temporal', 'temporal-ui', 'worker']);
    expect(compose.services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(compose.services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  test('when the API and worker run, then they share nothing but Temporal and the bucket on MinIO', () => {
    const { api, worker, minio } = compose.services;
    for (const service of [api!, worker!]) {
      expect(service.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', BLOB_STORE: 's3', S3_ENDPOINT: 'http://minio:9000', WEBHOOK_SECRET });
      expect(service.depends_on).toHaveProperty('minio');
      expect((service.volumes ?? []).filter((volume) => !volume.endsWith(':ro'))).toEqual([]);
      const config = loadConfig({ ...service.environment });
      expect(config.blobStore).toEqual({ kind: 's3', s3: { bucket: 'ocr-jobs', region: 'us-east-1', endpoint: 'http://minio:9000', forcePathStyle: true } });
    }
    // The server's own credentials are the ones the service signs with.
    expect(minio!.environment).toEqual({ MINIO_ROOT_USER: api!.environment!.AWS_ACCESS_KEY_ID, MINIO_ROOT_PASSWORD: api!.environment!.AWS_SECRET_ACCESS_KEY });
    expect(compose.volumes).toHaveProperty('minio');
    expect(api!.command).toEqual(['node', 'dist/src/api/server.js']);
    expect(worker!.command).toEqual(['node', 'dist/src/worker/main.js']);
  });

  test('when no WEBHOOK_SECRET is given, then compose refuses to start, saying what to set', () => {
    expect(() => interpolate(composeText, {})).toThrow('WEBHOOK_SECRET: set WEBHOOK_SECRET to whsec_');
  });

  test('when the API and worker run, then they send their traces to Jaeger over OTLP/HTTP, whose UI is published', () => {
    const { api, worker, jaeger } = compose.services;
    for (const service of [api!, worker!]) expect(service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
    // The service's config accepts what the compose file sets.
    expect(loadConfig({ ...api!.environment }).tracing).toEqual({ exporting: true, protocol: 'http/protobuf' });
    expect(jaeger!.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(jaeger!.ports).toContain('16686:16686');
  });

  test('when the API listens beyond its container, then it requires keys from the tenants file the compose file mounts', () => {
    const { api } = compose.services;
    expect(api!.environment).toMatchObject({ HOST: '0.0.0.0', TENANTS_FILE: '/etc/ocr-jobs/tenants.yaml' });
    expect(api!.environment?.AUTH).toBeUndefined();
    expect(api!.volumes).toContain('./config:/etc/ocr-jobs:ro');
    const config = loadConfig(api!.environment);
    expect(exposureProblem(config)).toBeNull();
    expect(authEnabled(config)).toBe(true);
    // The shipped tenants file is one the service accepts.
    expect(parseTenants(readFileSync(path.join(PROJECT_ROOT, 'config/tenants.yaml'), 'utf8'), 'config/tenants.yaml')).toEqual([]);
  });

  test('when the worker is scaled, then nothing in it is fixed to one instance', () => {
    const { worker } = compose.services;
    expect(worker!.container_name).toBeUndefined();
    expect(worker!.ports).toBeUndefined();
  });

  test('when the image is built, then the entry points it runs are the ones the build produces', () => {
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('tsc -p tsconfig.build.json');
    expect(dockerfile).toContain('node dist/src/worker/bundleWorkflows.js');
  });

  test('when Prometheus starts, then its configuration is valid, it scrapes the API and the workers where they serve metrics, and its alerts fire when they should', () => {
    const dir = path.join(PROJECT_ROOT, 'deploy/prometheus');
    const promtool = path.join(path.dirname(execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts/prometheus.sh')], { encoding: 'utf8' }).trim()), 'promtool');

    const checked = execFileSync(promtool, ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    const tested = execFileSync(promtool, ['test', 'rules', path.join(dir, 'alerts.test.yml')], { encoding: 'utf8' });

    expect(checked).toContain('4 rules found');
    expect(tested).toContain('SUCCESS');
    const scrape = parse(readFileSync(path.join(dir, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
    };
    const [api, worker] = scrape.scrape_configs;
    expect(api!.static_configs![0]!.targets).toEqual([`api:${compose.services.api!.environment!.PORT}`]);
    expect(worker!.dns_sd_configs![0]).toMatchObject({ names: ['worker'], port: Number(compose.services.worker!.environment!.WORKER_METRICS_PORT) });
    expect(compose.services.prometheus!.volumes).toContain('./deploy/prometheus:/etc/prometheus:ro');
  });

  test('when Grafana starts, then its dashboard queries only metrics the service exports', async () => {
    const dashboard = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'deploy/grafana/dashboards/ocr-jobs.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const exported = new Set(
      [...(await createApiMetrics().registry.getMetricsAsJSON()), ...(await createWorkerMetrics().registry.getMetricsAsJSON())].map((metric) => metric.name),
    );

    const queried = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\b(?:ocr|http)_[a-z_]+/g) ?? []));

    expect(dashboard.panels.map((panel) => panel.title)).toEqual(
      expect.arrayContaining(['Jobs finished by status (per minute)', 'Step duration p95', 'Pages per second', 'Step retries by step and code (per minute)']),
    );
    for (const name of queried) expect(exported).toContain(name.replace(/_(bucket|count|sum)$/, ''));
    expect(compose.services.grafana!.volumes).toContain('./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro');
  });
});
