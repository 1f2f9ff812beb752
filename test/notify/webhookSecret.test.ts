import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../src/config';
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
});
