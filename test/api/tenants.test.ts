import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { createApp } from '../../src/api/app';
import { Authenticator } from '../../src/auth/authenticate';
import { hashApiKey, newApiKey } from '../../src/auth/tenantsFile';
import { loadConfig } from '../../src/config';
import { installedLanguages } from '../../src/ocr/languages';
import { isTerminalStatus, type JobStatus } from '../../src/shared/jobs';
import { jobKeys } from '../../src/storage/blobStore';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { renderText } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';
import { testLogger } from '../helpers/logger';

// Two tenants in a tenants file written here, served over a real socket and called with fetch.
const keys = { acme: newApiKey(), beta: newApiKey(), burst: newApiKey(), capped: newApiKey() };
let harness: ApiHarness;
let tenantsFile: string;
let auth: Authenticator;
let api: Listening;
/** Same tenants, on a queue no worker takes: its jobs stay unfinished. */
let idle: Listening;
let logLines: string[];

/** The tenants file; each tenant has its one key unless `keysOf` gives it others. */
function tenantsYaml(keysOf: Partial<Record<keyof typeof keys, string[]>> = {}): string {
  const entry = (id: keyof typeof keys, settings = '') =>
    `  - id: ${id}\n    keys: [${(keysOf[id] ?? [keys[id]]).map((key) => `"${hashApiKey(key)}"`).join(', ')}]\n${settings}`;
  return `tenants:\n${entry('acme')}${entry('beta')}${entry('burst', '    submitsPerMinute: 6\n')}${entry('capped', '    maxActiveJobs: 1\n')}`;
}

beforeAll(async () => {
  harness = await startApiHarness();
  tenantsFile = path.join(harness.fixture.dataDir, 'tenants.yaml');
  await writeFile(tenantsFile, tenantsYaml());
  const settings = { ...harness.idleAppSettings, TEMPORAL_TASK_QUEUE: harness.fixture.config.temporal.taskQueue, TENANTS_FILE: tenantsFile };
  const config = loadConfig(settings);
  auth = await Authenticator.create(config, testLogger);
  logLines = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) }));
  const deps = { client: harness.env.client, blobs: harness.fixture.blobs, languages: installedLanguages(), auth };
  api = await listen(createApp({ ...deps, config, logger }), config);
  const idleConfig = loadConfig({ ...harness.idleAppSettings, TENANTS_FILE: tenantsFile });
  idle = await listen(createApp({ ...deps, config: idleConfig, logger: testLogger }), idleConfig);
});
afterAll(async () => {
  await api?.close();
  await idle?.close();
  auth?.close();
  await harness?.stop();
});

const page = () => renderText({ lines: ['Tenant page'], fontSize: 40, width: 600 });

async function submit(base: string, key: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/jobs`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'image/png', ...headers },
    body: new Uint8Array(await page()),
  });
}

async function finished(jobId: string, key: string): Promise<Record<string, unknown>> {
  const res = await eventually(
    () =>
      fetch(`${api.base}/jobs/${jobId}`, { headers: { 'X-API-Key': key } }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown> & { status: JobStatus },
      })),
    (read) => read.status !== 200 || isTerminalStatus(read.body.status),
  );
  expect(res.status).toBe(200);
  return res.body;
}

async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `/docs/errors#${code}` });
  return body;
}

describe('authentication', () => {
  test('when a request carries no key, a wrong key or a malformed credential, then 401 UNAUTHENTICATED with a Bearer challenge', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { Authorization: `Bearer ${newApiKey()}` },
      { 'X-API-Key': newApiKey() },
      { Authorization: '' },
      { Authorization: 'Bearer' },
      { Authorization: `Basic ${Buffer.from('acme:secret').toString('base64')}` },
      { Authorization: `Bearer ${keys.acme} extra` },
      { Authorization: `Bearer ${keys.acme}`, 'X-API-Key': keys.beta },
      { 'X-API-Key': `${keys.acme.slice(0, 10)} ${keys.acme.slice(10)}` },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${api.base}/jobs`, { headers });
      await expectProblem(res, 401, 'UNAUTHENTICATED');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="ocr-jobs"/);
    }
  });

  test('when a credential is non-ASCII, duplicated or huge, then the answer is a clear 4xx, never a 500', async () => {
    const raw = (headers: http.OutgoingHttpHeaders) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(`${api.base}/jobs`, { headers }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const nonAscii = await raw({ 'X-API-Key': Buffer.from(`${keys.acme}é`, 'utf8').toString('latin1') });
    const duplicated = await raw({ 'X-API-Key': [keys.acme, keys.acme] });
    const huge = await raw({ Authorization: `Bearer ${'a'.repeat(20_000)}` });
    const long = await raw({ Authorization: `Bearer ${'a'.repeat(8_000)}` });

    expect([nonAscii.status, duplicated.status, long.status]).toEqual([401, 401, 401]);
    expect(JSON.parse(duplicated.body)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(huge.status).toBe(431);
  });

  test('when no key is sent to the health, readiness, metrics and description endpoints, then they answer', async () => {
    for (const route of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/errors']) {
      expect((await fetch(`${api.base}${route}`)).status).toBe(200);
    }
  });

  test('when a key is revoked in the tenants file, then it stops working without a restart; a new key starts working', async () => {
    const rotated = newApiKey();
    const works = (key: string) => fetch(`${api.base}/jobs`, { headers: { 'X-API-Key': key } });
    expect((await works(rotated)).status).toBe(401);

    await writeFile(tenantsFile, tenantsYaml({ beta: [keys.beta, rotated] }));
    await eventually(() => works(rotated), (res) => res.status === 200);
    await writeFile(tenantsFile, tenantsYaml({ beta: [rotated] }));
    const revoked = await eventually(() => works(keys.beta), (res) => res.status === 401);

    await expectProblem(revoked, 401, 'UNAUTHENTICATED');
    expect((await works(rotated)).status).toBe(200);
    await writeFile(tenantsFile, tenantsYaml());
    await eventually(() => works(keys.beta), (res) => res.status === 200);
  });

  test('when the tenants file becomes invalid, then the tenants read before stay in force', async () => {
    await writeFile(tenantsFile, 'tenants:\n  - id: Not Valid\n');
    await auth.registry!.reload();

    expect((await fetch(`${api.base}/jobs`, { headers: { 'X-API-Key': keys.acme } })).status).toBe(200);
    await writeFile(tenantsFile, tenantsYaml());
    await auth.registry!.reload();
  });

  test('when a key is used, then the logs never show it', async () => {
    await fetch(`${api.base}/jobs`, { headers: { Authorization: `Bearer ${keys.acme}` } });
    await fetch(`${api.base}/jobs`, { headers: { 'X-API-Key': keys.acme } });

    const logs = logLines.join('');
    expect(logs).toContain('[redacted]');
    expect(logs).not.toContain(keys.acme);
  });
});

describe('isolation', () => {
  let acmeJob: string;

  beforeAll(async () => {
    const res = await submit(api.base, keys.acme, { 'Idempotency-Key': 'shared-key' });
    expect(res.status).toBe(202);
    acmeJob = ((await res.json()) as { jobId: string }).jobId;
    await finished(acmeJob, keys.acme);
  });

  test("when a tenant reads, streams, fetches the result or deliveries of, cancels or deletes another tenant's job, then it is answered as a job that does not exist", async () => {
    const missing = randomUUID();
    const calls: Array<[string, string]> = [
      ['GET', ''],
      ['GET', '/result'],
      ['GET', '/events'],
      ['GET', '/deliveries'],
      ['POST', `/deliveries/evt_${acmeJob}_1/redeliver`],
      ['POST', '/cancel'],
      ['DELETE', ''],
    ];
    for (const [method, suffix] of calls) {
      const foreign = await fetch(`${api.base}/jobs/${acmeJob}${suffix}`, { method, headers: { 'X-API-Key': keys.beta } });
      const absent = await fetch(`${api.base}/jobs/${missing}${suffix}`, { method, headers: { 'X-API-Key': keys.beta } });
      const foreignBody = await expectProblem(foreign, 404, 'JOB_NOT_FOUND');
      const absentBody = await expectProblem(absent, 404, 'JOB_NOT_FOUND');
      expect(Object.keys(foreignBody).sort()).toEqual(Object.keys(absentBody).sort());
      expect(String(foreignBody.detail).replace(acmeJob, 'ID')).toBe(String(absentBody.detail).replace(missing, 'ID'));
    }
    // The owner still has its job, untouched.
    expect(await finished(acmeJob, keys.acme)).toMatchObject({ status: 'DONE' });
  });

  test("when tenants list jobs, then each sees only its own", async () => {
    const betaRes = await submit(api.base, keys.beta);
    const betaJob = ((await betaRes.json()) as { jobId: string }).jobId;
    await finished(betaJob, keys.beta);

    const list = async (key: string) =>
      ((await (await fetch(`${api.base}/jobs?limit=100`, { headers: { 'X-API-Key': key } })).json()) as { items: Array<{ jobId: string }> }).items.map(
        (item) => item.jobId,
      );
    const [acmeList, betaList] = await Promise.all([list(keys.acme), list(keys.beta)]);

    expect(acmeList).toContain(acmeJob);
    expect(betaList).toContain(betaJob);
    expect(acmeList.filter((id) => betaList.includes(id))).toEqual([]);
  });

  test('when two tenants send the same Idempotency-Key, then they get two jobs', async () => {
    const res = await submit(api.base, keys.beta, { 'Idempotency-Key': 'shared-key' });

    expect(res.status).toBe(202);
    const betaJob = ((await res.json()) as { jobId: string }).jobId;
    expect(betaJob).not.toBe(acmeJob);
    expect(await finished(betaJob, keys.beta)).toMatchObject({ status: 'DONE' });
  });

  test("when a tenant's job is stored, then its blobs are under the tenant's prefix and Temporal can filter it by OcrTenant", async () => {
    expect(await harness.fixture.blobs.exists(jobKeys.resultText({ jobId: acmeJob, tenant: 'acme' }))).toBe(true);
    expect(jobKeys.resultText({ jobId: acmeJob, tenant: 'acme' })).toMatch(/^tenants\/acme\/jobs\//);
    expect(await harness.fixture.blobs.exists(jobKeys.resultText({ jobId: acmeJob }))).toBe(false);

    const ids: string[] = [];
    for await (const execution of harness.env.client.workflow.list({ query: `OcrTenant = 'acme'` })) ids.push(execution.workflowId);
    expect(ids).toContain(acmeJob);
  });

  test("when a tenant deletes its own job, then the other tenant's same-keyed job is untouched", async () => {
    const res = await submit(api.base, keys.acme, { 'Idempotency-Key': `delete-${randomUUID()}` });
    const jobId = ((await res.json()) as { jobId: string }).jobId;
    await finished(jobId, keys.acme);

    expect((await fetch(`${api.base}/jobs/${jobId}`, { method: 'DELETE', headers: { 'X-API-Key': keys.acme } })).status).toBe(204);
    await expectProblem(await fetch(`${api.base}/jobs/${jobId}`, { headers: { 'X-API-Key': keys.acme } }), 410, 'JOB_DELETED');
    await expectProblem(await fetch(`${api.base}/jobs/${jobId}`, { headers: { 'X-API-Key': keys.beta } }), 404, 'JOB_NOT_FOUND');
  });
});

describe('limits', () => {
  test('when a tenant submits faster than its rate, then 429 RATE_LIMITED with Retry-After, and after it the service accepts again', async () => {
    const accepted: string[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 7 && !limited; i++) {
      const res = await submit(idle.base, keys.burst);
      expect(res.headers.get('ratelimit-policy')).toBe('"submits";q=6;w=60');
      expect(res.headers.get('ratelimit')).toMatch(/^"submits";r=\d+;t=\d+$/);
      if (res.status === 202) accepted.push(((await res.json()) as { jobId: string }).jobId);
      else limited = res;
    }

    expect(accepted).toHaveLength(6);
    await expectProblem(limited!, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    // Other tenants are not held back by it.
    expect((await fetch(`${idle.base}/jobs`, { headers: { 'X-API-Key': keys.acme } })).headers.get('ratelimit')).toMatch(/^"submits";r=\d+/);

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    const again = await submit(idle.base, keys.burst);
    expect(again.status).toBe(202);
    accepted.push(((await again.json()) as { jobId: string }).jobId);
    for (const jobId of accepted) await harness.env.client.workflow.getHandle(jobId).terminate('test over');
  }, 60_000);

  test('when a tenant has as many unfinished jobs as it may, then 429 TOO_MANY_ACTIVE_JOBS until one ends', async () => {
    const first = await submit(idle.base, keys.capped);
    expect(first.status).toBe(202);
    const jobId = ((await first.json()) as { jobId: string }).jobId;

    const refused = await submit(idle.base, keys.capped);
    await expectProblem(refused, 429, 'TOO_MANY_ACTIVE_JOBS');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another tenant is not counted against it.
    const other = await submit(idle.base, keys.acme);
    expect(other.status).toBe(202);

    // No worker takes the idle queue's jobs, so an operator ends this one.
    await harness.env.client.workflow.getHandle(jobId).terminate('making room');
    const next = await eventually(() => submit(idle.base, keys.capped), (res) => res.status === 202);
    for (const res of [next, other]) {
      const { jobId: id } = (await res.json()) as { jobId: string };
      await harness.env.client.workflow.getHandle(id).terminate('test over');
    }
  });
});

describe('JWT bearer tokens', () => {
  test('when a token of the identity provider names a tenant, then it acts as that tenant; a token from elsewhere or expired is refused', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const jwks = http.createServer((_req, res) => res.setHeader('Content-Type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`;
    const config = loadConfig({ ...harness.idleAppSettings, AUTH_JWKS_URL: jwksUrl, AUTH_ISSUER: 'https://idp.test', AUTH_AUDIENCE: 'ocr-jobs' });
    const jwtAuth = await Authenticator.create(config, testLogger);
    const server = await listen(
      createApp({ config, client: harness.env.client, blobs: harness.fixture.blobs, logger: testLogger, languages: installedLanguages(), auth: jwtAuth }),
      config,
    );
    const token = (claims: Record<string, unknown>, issuer = 'https://idp.test', expires: string | number = '5 minutes') =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(issuer).setAudience('ocr-jobs').setIssuedAt().setExpirationTime(expires).sign(privateKey);
    try {
      const submitted = await submit(server.base, await token({ tenant: 'gamma' }));
      expect(submitted.status).toBe(202);
      const { jobId } = (await submitted.json()) as { jobId: string };

      const own = await fetch(`${server.base}/jobs/${jobId}`, { headers: { Authorization: `Bearer ${await token({ tenant: 'gamma' })}` } });
      const other = await fetch(`${server.base}/jobs/${jobId}`, { headers: { Authorization: `Bearer ${await token({ tenant: 'delta' })}` } });
      const wrongIssuer = await fetch(`${server.base}/jobs`, { headers: { Authorization: `Bearer ${await token({ tenant: 'gamma' }, 'https://evil.test')}` } });
      const expired = await fetch(`${server.base}/jobs`, { headers: { Authorization: `Bearer ${await token({ tenant: 'gamma' }, 'https://idp.test', Math.floor(Date.now() / 1000) - 60)}` } });
      const noTenant = await fetch(`${server.base}/jobs`, { headers: { Authorization: `Bearer ${await token({})}` } });

      expect(own.status).toBe(200);
      await expectProblem(other, 404, 'JOB_NOT_FOUND');
      for (const res of [wrongIssuer, expired, noTenant]) await expectProblem(res, 401, 'UNAUTHENTICATED');
      await fetch(`${server.base}/jobs/${jobId}/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${await token({ tenant: 'gamma' })}` } });
    } finally {
      await server.close();
      jwtAuth.close();
      jwks.close();
    }
  });
});
