import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseTenants } from '../../src/auth/tenantsFile';
import { authEnabled, exposureProblem, loadConfig } from '../../src/config';
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

const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
  test('when parsed, then it names Temporal on PostgreSQL, the Web UI, the API and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
    expect(compose.services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(compose.services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  test('when the API and worker run, then they use the Temporal service and share the blob store volume', () => {
    const { api, worker } = compose.services;
    for (const service of [api!, worker!]) {
      expect(service.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DATA_DIR: '/data' });
      expect(service.volumes).toContain('blobs:/data');
    }
    expect(compose.volumes).toHaveProperty('blobs');
    expect(api!.command).toEqual(['node', 'dist/src/api/server.js']);
    expect(worker!.command).toEqual(['node', 'dist/src/worker/main.js']);
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
});
