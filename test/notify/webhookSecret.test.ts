import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { activityDepsFor } from '../../src/activities';
import { TenantRegistry } from '../../src/auth/tenantRegistry';
import { loadConfig } from '../../src/config';
import type { OcrPipeline } from '../../src/ocr/pipeline';
import { FsBlobStore } from '../../src/storage/blobStore';
import { testLogger } from '../helpers/logger';
import { webhookSecret } from '../../src/notify/webhookSecret';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-secret-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the webhook secret', () => {
  test('when none is configured, then one is made on first use, kept under DATA_DIR for the owner only, and used from then on', async () => {
    const config = loadConfig({ DATA_DIR: path.join(dataDir, 'new') });

    const first = await webhookSecret(config);
    const again = await webhookSecret(config);

    expect(first).toMatchObject({ generated: true, file: path.join(dataDir, 'new', 'webhook-secret') });
    expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(again).toEqual({ ...first, generated: false });
    expect((await readFile(first.file!, 'utf8')).trim()).toBe(first.secret);
    expect((await stat(first.file!)).mode & 0o777).toBe(0o600);
    // The library takes it as it is.
    expect(() => new Webhook(first.secret).sign('msg_1', new Date(), '{}')).not.toThrow();
  });

  test('when WEBHOOK_SECRET is set, then it is the one, and nothing is written', async () => {
    const secret = `whsec_${Buffer.from('configured').toString('base64')}`;

    const chosen = await webhookSecret(loadConfig({ DATA_DIR: dataDir, WEBHOOK_SECRET: secret }));

    expect(chosen).toEqual({ secret, file: null, generated: false });
    await expect(stat(path.join(dataDir, 'webhook-secret'))).rejects.toThrow();
  });

  test("when a tenant has its own webhookSecret, then its webhooks are signed with it, and other jobs' with the service's", async () => {
    const own = `whsec_${Buffer.from('acme only').toString('base64')}`;
    const shared = `whsec_${Buffer.from('everyone else').toString('base64')}`;
    const file = path.join(dataDir, 'tenants.yaml');
    await writeFile(file, `tenants:\n  - id: acme\n    webhookSecret: ${own}\n  - id: beta\n`);
    const config = loadConfig({ DATA_DIR: dataDir, WEBHOOK_SECRET: shared, TENANTS_FILE: file });
    const tenants = await TenantRegistry.open(file, testLogger);
    try {
      // Delivery needs no OCR: the pipeline is never touched here.
      const deps = activityDepsFor(config, { blobs: new FsBlobStore(config.blobDir), pipeline: {} as OcrPipeline, tenants });

      expect(await deps.webhooks.secretFor('acme')).toBe(own);
      expect(await deps.webhooks.secretFor('beta')).toBe(shared);
      expect(await deps.webhooks.secretFor(undefined)).toBe(shared);
    } finally {
      tenants.close();
    }
  });
});
